// Why a local stack could not start, for problems the user can fix (not bugs): the data folder is held by another
// stack or cannot be written, or the port is taken. `npm start` prints the message and what to do, with no trace.
export type StartupProblemKind = 'data-folder-in-use' | 'data-folder-unusable' | 'port-in-use';

export class LocalStackStartupError extends Error {
  override readonly name = 'LocalStackStartupError';

  constructor(
    readonly kind: StartupProblemKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The errno codes that mean "this folder cannot be created or written here". */
const UNUSABLE_FOLDER_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EEXIST',
  'ENOSPC',
  'EDQUOT',
  'ELOOP',
  'ENAMETOOLONG',
]);

/** A LocalStackStartupError when `error` (from creating or opening the data folder) is one the user can fix. */
export function dataFolderProblem(error: unknown, folder: string): LocalStackStartupError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !UNUSABLE_FOLDER_CODES.has(code)) return undefined;
  return new LocalStackStartupError(
    'data-folder-unusable',
    `The data folder ${folder} cannot be created or written (${code}).`,
    { cause: error },
  );
}

export function portProblem(error: unknown, port: number): LocalStackStartupError | undefined {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return undefined;
  return new LocalStackStartupError(
    'port-in-use',
    `Port ${port} on 127.0.0.1 is in use by another program (perhaps another local stack).`,
    {
      cause: error,
    },
  );
}
