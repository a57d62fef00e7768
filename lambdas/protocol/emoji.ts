// What `react` accepts as an emoji: one grapheme made only of emoji code points (pictographs, flags' regional
// indicators, keycaps, skin tones, joiners and variation selectors), at most LIMITS.emojiMaxLength code units.
// Emojis become keys of a message's reaction counts, so they are held to this narrow shape on the way in.
import { LIMITS } from './limits.js';

const EMOJI_CODE_POINTS =
  /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{Regional_Indicator}|\u200d|\ufe0f|\u20e3)+$/u;
/** Emoji_Component alone also matches digits, '#' and '*': a keycap needs its U+20E3. */
const EMOJI_CORE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

export function isEmoji(value: string): boolean {
  if (value.length === 0 || value.length > LIMITS.emojiMaxLength || !value.isWellFormed()) return false;
  if (!EMOJI_CODE_POINTS.test(value) || !EMOJI_CORE.test(value)) return false;
  let count = 0;
  for (const _ of graphemes.segment(value)) if (++count > 1) return false;
  return count === 1;
}
