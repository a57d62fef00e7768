// Paging shapes shared by the stores' list methods: one page per call, an opaque cursor when more follow.

export interface Page<T> {
  items: T[];
  /** Opaque; present when more items follow. */
  cursor?: string;
}

export interface PageRequest {
  cursor?: string;
  limit: number;
}

/** A cursor the store did not issue (or that is corrupt). The router answers BAD_REQUEST naming `cursor`. */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor: not a cursor this server issued');
    this.name = 'InvalidCursorError';
  }
}
