/** A value as error messages show it: quoted, at most `max` characters (it may be huge or hostile). */
export function quote(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}...` : value);
}
