import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  FileDescriptorProtoSchema,
  type FileDescriptorSet,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";

interface IndexedFile {
  readonly name: string;
  readonly dependencies: readonly string[];
  /** The serialized FileDescriptorProto, as reflection clients receive it. */
  readonly bytes: Uint8Array;
}

interface Extension {
  readonly number: number;
  readonly file: string;
}

/**
 * An index over FileDescriptorSets: every symbol (services, methods, messages with nested
 * ones, fields, enums and their values, extensions) to the file declaring it. A file named twice
 * is indexed once, from its first occurrence.
 */
export class DescriptorIndex {
  private readonly files = new Map<string, IndexedFile>();
  private readonly symbols = new Map<string, string>();
  private readonly extensions = new Map<string, Extension[]>();
  private readonly serviceNames: string[] = [];

  /** Indexes each set in turn (sets built apart share files such as google/protobuf/*). */
  constructor(...fileDescriptorSets: Uint8Array[]) {
    for (const set of fileDescriptorSets) this.addSet(fromBinary(FileDescriptorSetSchema, set));
  }

  private addSet(set: FileDescriptorSet): void {
    for (const file of set.file) {
      if (this.files.has(file.name)) continue;
      const prefix = file.package ? `${file.package}.` : "";
      this.files.set(file.name, {
        name: file.name,
        dependencies: file.dependency,
        bytes: toBinary(FileDescriptorProtoSchema, file),
      });
      for (const svc of file.service) {
        const full = prefix + svc.name;
        this.serviceNames.push(full);
        this.symbols.set(full, file.name);
        for (const m of svc.method) this.symbols.set(`${full}.${m.name}`, file.name);
      }
      for (const m of file.messageType) this.addMessage(m, prefix, file.name);
      for (const e of file.enumType) this.addEnum(e, prefix, file.name);
      for (const x of file.extension) this.addExtension(x, prefix, file.name);
    }
  }

  /** Fully-qualified names of every service in the set. */
  services(): readonly string[] {
    return this.serviceNames;
  }

  /** The file and every file it depends on (transitively), the requested one first;
   * undefined for an unknown file. */
  fileWithDependencies(name: string): Uint8Array[] | undefined {
    if (!this.files.has(name)) return undefined;
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (n: string): void => {
      const f = this.files.get(n);
      if (!f || seen.has(n)) return;
      seen.add(n);
      out.push(f.bytes);
      for (const d of f.dependencies) visit(d);
    };
    visit(name);
    return out;
  }

  /** The file declaring a fully-qualified symbol (a leading dot is accepted). */
  fileOfSymbol(symbol: string): string | undefined {
    return this.symbols.get(symbol.startsWith(".") ? symbol.slice(1) : symbol);
  }

  fileOfExtension(containingType: string, number: number): string | undefined {
    return this.extensions.get(strip(containingType))?.find((x) => x.number === number)?.file;
  }

  /** Extension numbers of a message type; undefined when the type is unknown. */
  extensionNumbers(containingType: string): number[] | undefined {
    const type = strip(containingType);
    if (!this.symbols.has(type)) return undefined;
    return (this.extensions.get(type) ?? []).map((x) => x.number);
  }

  private addMessage(m: DescriptorProto, prefix: string, file: string): void {
    const full = prefix + m.name;
    this.symbols.set(full, file);
    for (const f of m.field) this.symbols.set(`${full}.${f.name}`, file);
    for (const o of m.oneofDecl) this.symbols.set(`${full}.${o.name}`, file);
    for (const nested of m.nestedType) this.addMessage(nested, `${full}.`, file);
    for (const e of m.enumType) this.addEnum(e, `${full}.`, file);
    for (const x of m.extension) this.addExtension(x, `${full}.`, file);
  }

  private addEnum(e: EnumDescriptorProto, prefix: string, file: string): void {
    this.symbols.set(prefix + e.name, file);
    // Enum values are siblings of their enum in protobuf scoping.
    for (const v of e.value) this.symbols.set(prefix + v.name, file);
  }

  private addExtension(x: FieldDescriptorProto, prefix: string, file: string): void {
    this.symbols.set(prefix + x.name, file);
    const type = strip(x.extendee);
    const list = this.extensions.get(type) ?? [];
    list.push({ number: x.number, file });
    this.extensions.set(type, list);
  }
}

function strip(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}
