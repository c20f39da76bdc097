/**
 * A typed subscription list with a fast path for no listener. Listeners that
 * throw are isolated: the error goes to `onError`, the other listeners still run.
 *
 * @internal
 */
export class Listeners<E> {
  private list: Array<(event: E) => void> = [];

  get size(): number {
    return this.list.length;
  }

  add(listener: (event: E) => void, what: string): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`${what} expects a function, got ${typeof listener}`);
    }
    // Copy on write: an emit in progress keeps iterating the list it started with.
    this.list = [...this.list, listener];
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const i = this.list.indexOf(listener);
      if (i >= 0) this.list = [...this.list.slice(0, i), ...this.list.slice(i + 1)];
    };
  }

  emit(event: E, onError: (error: unknown) => void): void {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(event);
      } catch (error) {
        onError(error);
      }
    }
  }

  clear(): void {
    this.list = [];
  }
}
