// Offsets in the article text: UTF-16 code units (what the DOM counts) <->
// Unicode code points (what the server, Python and the W3C
// TextPositionSelector count), and DOM points -> offsets under a root.
// The only place the browser converts between the two units.

/** Converts offsets both ways for one text, in O(log n) per call. */
export class OffsetMap {
  constructor(text) {
    this.text = text;
    this.astralUnits = []; // UTF-16 index of each astral (2-unit) character
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { this.astralUnits.push(i); i++; }
      }
    }
    this.astralPoints = this.astralUnits.map((u, k) => u - k);
    this.length = text.length - this.astralUnits.length; // in code points
  }

  /** Code point offset -> UTF-16 offset. */
  toUnits(points) {
    return points + countBelow(this.astralPoints, points);
  }

  /** UTF-16 offset -> code point offset; inside a surrogate pair counts as after it. */
  toPoints(units) {
    return units - countBelow(this.astralUnits, units - 1);
  }
}

// How many sorted values are < limit.
export function countBelow(sorted, limit) {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < limit) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * UTF-16 offset into root.textContent of the DOM point (node, offset).
 * Points before root count as 0 and points after it as its length.
 */
export function unitOffsetOf(root, node, offset) {
  if (!root.contains(node)) {
    const before = root.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING;
    return before ? 0 : root.textContent.length;
  }
  const probe = document.createRange();
  probe.setStart(root, 0);
  probe.setEnd(node, offset);
  return probe.toString().length;
}

/**
 * The DOM point (node, offset) at UTF-16 offset `units` of root.textContent:
 * inside the text node holding that unit, or at the end of the last one.
 */
export function pointAt(root, units) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let seen = 0;
  let last = null;
  while (walker.nextNode()) {
    last = walker.currentNode;
    if (units < seen + last.data.length) return [last, units - seen];
    seen += last.data.length;
  }
  return last ? [last, last.data.length] : [root, 0];
}

const SPACE = /\s/u;

/**
 * The span [start, end) in UTF-16 units shrunk to exclude leading and trailing
 * whitespace; null if nothing but whitespace is left.
 */
export function trimSpan(text, start, end) {
  while (start < end && SPACE.test(text[start])) start++;
  while (end > start && SPACE.test(text[end - 1])) end--;
  return start < end ? { start, end } : null;
}

/**
 * The code point span {start, end, exact} that a DOM Range selects in root,
 * clamped to root and trimmed of surrounding whitespace; null if empty.
 */
export function rangeToSpan(root, range, map) {
  const text = map.text;
  const start = unitOffsetOf(root, range.startContainer, range.startOffset);
  const end = unitOffsetOf(root, range.endContainer, range.endOffset);
  const span = trimSpan(text, Math.min(start, end), Math.max(start, end));
  if (!span) return null;
  const points = { start: map.toPoints(span.start), end: map.toPoints(span.end) };
  const exact = text.slice(map.toUnits(points.start), map.toUnits(points.end));
  return { ...points, exact };
}
