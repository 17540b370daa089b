// A first-in first-out queue on a growable ring buffer (no Array.shift on hot paths).

export class Fifo<T> {
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) {
      const grown: (T | undefined)[] = new Array(this.items.length * 2);
      for (let i = 0; i < this.count; i++) grown[i] = this.items[(this.head + i) % this.items.length];
      this.items = grown;
      this.head = 0;
    }
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The item i places behind the head. */
  at(i: number): T | undefined {
    return i < this.count ? this.items[(this.head + i) % this.items.length] : undefined;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  /** Removes and returns every item. */
  drain(): T[] {
    const out: T[] = [];
    while (this.count > 0) out.push(this.shift() as T);
    return out;
  }
}
