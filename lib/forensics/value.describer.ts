import { types } from 'node:util';
import { cutMessage } from '../context/breadcrumb.buffer.js';
import { cutText } from '../context/utf16.text.js';

/** The intrinsic, read once: an app's own `Date.prototype.getTime` is not called. */
const timeOf = Date.prototype.getTime;
/** Objects nested deeper than this are named, not opened (and the walk's stack stays small). */
const MAX_DEPTH = 32;

/**
 * Builds a JSON-like text of at most `maxLength` characters, and stops walking as soon as
 * the text is full: describing a 1.2 MB object for a 512-character breadcrumb reads a few
 * of its properties, not all of them.
 */
class BoundedText {
  text = '';
  /** Objects on the path from the root, to name a cycle instead of walking it forever. */
  private readonly ancestors = new Set<object>();

  constructor(private readonly maxLength: number) {}

  get full(): boolean {
    return this.text.length > this.maxLength;
  }

  add(part: string): void {
    if (!this.full) this.text += part;
  }

  /** A string value, quoted and escaped as JSON, never longer than what is left. */
  addString(value: string): void {
    const left = this.maxLength - this.text.length + 1;
    if (left > 0) this.add(JSON.stringify(value.length > left ? cutText(value, left) : value));
  }

  value(value: unknown): void {
    switch (typeof value) {
      case 'string':
        return this.addString(value);
      case 'number':
        return this.add(Number.isFinite(value) ? String(value) : 'null');
      case 'boolean':
        return this.add(value ? 'true' : 'false');
      case 'bigint':
        return this.add(`${value}n`);
      case 'object':
        return value === null ? this.add('null') : this.object(value);
      case 'function':
        return this.add(`"[Function${value.name ? `: ${cutText(value.name, 64)}` : ''}]"`);
      default:
        // undefined and symbols, which JSON leaves out of objects
        return this.add('null');
    }
  }

  private object(value: object): void {
    // Reading a Proxy runs its traps (the app's code): it is named, never opened.
    if (types.isProxy(value)) return this.add('"[Proxy]"');
    if (this.ancestors.has(value)) return this.add('"[Circular]"');
    if (this.ancestors.size >= MAX_DEPTH) return this.add('"[Nested too deep]"');
    if (value instanceof Date) {
      const time = timeOf.call(value);
      return this.add(Number.isNaN(time) ? 'null' : `"${new Date(time).toISOString()}"`);
    }
    // a Buffer or typed array: JSON would list every byte
    if (ArrayBuffer.isView(value)) return this.add(`"[${value.byteLength} bytes]"`);
    this.ancestors.add(value);
    if (Array.isArray(value)) this.items(value);
    else this.properties(value);
    this.ancestors.delete(value);
  }

  /** Items by index, read through descriptors: a getter on an array is not called either. */
  private items(array: readonly unknown[]): void {
    this.add('[');
    for (let i = 0; i < array.length && !this.full; i++) {
      if (i > 0) this.add(',');
      const descriptor = Object.getOwnPropertyDescriptor(array, i);
      if (descriptor === undefined) this.add('null');
      else if ('value' in descriptor) this.value(descriptor.value);
      else this.add('"[Getter]"');
    }
    this.add(']');
  }

  /**
   * Own enumerable properties, as `JSON.stringify` lists them, read through descriptors:
   * a getter (an ORM entity's lazy relation, say) is named, never called, and `toJSON` is
   * not called either.
   */
  private properties(object: object): void {
    this.add('{');
    let first = true;
    for (const key of Object.keys(object)) {
      if (this.full) break;
      const descriptor = Object.getOwnPropertyDescriptor(object, key);
      if (descriptor === undefined) continue;
      const isData = 'value' in descriptor;
      const item: unknown = descriptor.value;
      if (isData && (item === undefined || typeof item === 'symbol')) continue;
      if (!first) this.add(',');
      first = false;
      this.addString(key);
      this.add(':');
      if (isData) this.value(item);
      else this.add('"[Getter]"');
    }
    this.add('}');
  }
}

/**
 * A JSON-like description of `value` of at most `maxLength` characters (ending with `…` when
 * it was cut), for a logged object or a thrown non-Error. Unlike `JSON.stringify` it never
 * runs the app's code (getters, `toJSON`, Proxy traps), stops walking once the text is full,
 * and names cycles instead of throwing; for plain data it reads like `JSON.stringify`'s
 * output. Never throws.
 */
export function describeValue(value: unknown, maxLength: number): string {
  try {
    const text = new BoundedText(maxLength);
    text.value(value);
    return cutMessage(text.text, maxLength);
  } catch {
    // an exotic object we could not even list (a revoked Proxy hidden deeper, say)
    return cutText('"[unreadable value]"', maxLength);
  }
}
