import type { User } from "../gen/demo/user/v1/user.js";

/** The example data set: users "1".."1000", with names made up from their number. */
export const USER_COUNT = 1000;

const FIRST = ["Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Ken", "Margaret", "Niklaus", "Radia"];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Liskov",
  "Dijkstra",
  "Allen",
  "Thompson",
  "Hamilton",
  "Wirth",
  "Perlman",
];

/** The user with this id, or undefined when there is none. */
export function findUser(id: string): User | undefined {
  if (!/^[1-9]\d{0,3}$/.test(id)) return undefined;
  const n = Number(id);
  if (n > USER_COUNT) return undefined;
  const first = FIRST[n % FIRST.length] as string;
  const last = LAST[Math.floor(n / FIRST.length) % LAST.length] as string;
  return { id, name: `${first} ${last}`, email: `${first}.${last}.${n}@example.com`.toLowerCase() };
}

/** The first `limit` users, in id order. */
export function listUsers(limit: number): User[] {
  const out: User[] = [];
  for (let n = 1; n <= Math.min(limit, USER_COUNT); n++) out.push(findUser(String(n)) as User);
  return out;
}
