// Section 2's rows for the changes to messages: editMessage, deleteMessage and react in the room of 10, each on a
// message of the room's seeded history that no other scenario touches, and each repeated request (which changes
// nothing) beside the request that changes something.
// (Generic in what a measurement gives, so this module needs nothing from capacity-bench.ts, which calls it.)

export interface MeasureSteps {
  work: (run: number) => Promise<unknown>;
  prepare?: (run: number) => Promise<unknown>;
}

export interface ChangeBenchDeps<T> {
  /** Measures `steps` under the meter, once per run. */
  measure: (operation: string, scenario: string, steps: MeasureSteps) => Promise<T>;
  /** Sends a frame as the user; resolves with its size in bytes. */
  send: (userId: string, fields: Record<string, unknown>) => Promise<number>;
  runs: number;
  roomId: string;
  /** How many messages the room's seeded history holds, from seq 1, all by `sender`. */
  historyLength: number;
  sender: string;
  /** Another member of the room with an open connection. */
  other: string;
  /** The content an edit sets. */
  edited: string;
}

export async function measureChangeOperations<T>(deps: ChangeBenchDeps<T>): Promise<T[]> {
  const { measure, send, runs, roomId, sender, other, edited: EDITED } = deps;
  let scenario = 0;
  /** A seq of its own for every scenario and run: no scenario sees another's changes. */
  const seqsOfNext = () => {
    const first = 1 + scenario++ * runs;
    if (first + runs - 1 > deps.historyLength) throw new Error('the seeded history is too short for these runs');
    return (run: number) => first + run;
  };
  const edit = (seq: number, content: string) => send(sender, { action: 'editMessage', roomId, seq, content });
  const react = (userId: string, seq: number, on: boolean) =>
    send(userId, { action: 'react', roomId, seq, emoji: '👍', on });
  const remove = (seq: number) => send(sender, { action: 'deleteMessage', roomId, seq });

  const measured: T[] = [];
  const add = async (operation: string, description: string, steps: MeasureSteps) =>
    measured.push(await measure(operation, description, steps));

  let seq = seqsOfNext();
  await add('editMessage, room of 10', 'first edit: broadcast', { work: (run) => edit(seq(run), EDITED) });
  seq = seqsOfNext();
  await add('editMessage, repeated', 'same content: nothing changes', {
    prepare: (run) => edit(seq(run), EDITED),
    work: (run) => edit(seq(run), EDITED),
  });
  seq = seqsOfNext();
  await add('react, room of 10', "the message's first reaction: broadcast", {
    work: (run) => react(sender, seq(run), true),
  });
  seq = seqsOfNext();
  await add('react, room of 10', 'a message with reactions: broadcast', {
    prepare: (run) => react(sender, seq(run), true),
    work: (run) => react(other, seq(run), true),
  });
  seq = seqsOfNext();
  await add('react off, room of 10', 'count back to zero: broadcast', {
    prepare: (run) => react(other, seq(run), true),
    work: (run) => react(other, seq(run), false),
  });
  seq = seqsOfNext();
  await add('react, repeated', 'already given: nothing changes', {
    prepare: (run) => react(other, seq(run), true),
    work: (run) => react(other, seq(run), true),
  });
  seq = seqsOfNext();
  await add('deleteMessage, room of 10', 'never edited: broadcast', { work: (run) => remove(seq(run)) });
  seq = seqsOfNext();
  await add('deleteMessage, room of 10', 'edited once: its edit emptied too', {
    prepare: (run) => edit(seq(run), EDITED),
    work: (run) => remove(seq(run)),
  });
  seq = seqsOfNext();
  await add('deleteMessage, repeated', 'deleted already: copies checked again', {
    prepare: (run) => remove(seq(run)),
    work: (run) => remove(seq(run)),
  });
  return measured;
}
