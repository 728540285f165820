/** What a worker process runs: set up from its arguments, then answers commands until told to exit. */
export interface Role {
  /** Sent back once set up (addresses, counts). */
  readonly info: unknown;
  readonly commands: Readonly<Record<string, (args: unknown) => Promise<unknown>>>;
  close(): Promise<void>;
}

export type RoleFactory = (setup: unknown) => Promise<Role>;
