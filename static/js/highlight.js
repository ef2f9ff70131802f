// Draws highlights into the article text without changing its characters:
// the text is cut at every span boundary into flat segments, and each segment
// that some span covers becomes one <mark> listing every span over it. So
// overlapping, nested and adjacent spans all stay visible and clickable, and
// root.textContent is always exactly the text.
//
// The segments are grouped in one block per paragraph (the text up to and
// including a run of line breaks), so that a change of one span (the draft
// moving with a new selection) redraws, and the browser lays out again, one
// paragraph instead of a whole long article with thousands of highlights;
// and the browser lays out only the paragraphs near the view.

import { countBelow } from './offsets.js';

// For each root drawn here: the UTF-16 offset where each of its paragraphs starts.
const paragraphStarts = new WeakMap();

/**
 * Replace root's content with `text`, marking `spans`.
 * spans: [{id, start, end, kind, colour}] with start/end in UTF-16 units;
 * kind is 'claim', 'correction' or 'draft' (the span being annotated).
 * Each mark gets data-ids (ids of the saved spans over it, innermost first).
 * root gets one <span class="paragraph"> child per paragraph.
 */
export function renderHighlights(root, text, spans) {
  const starts = paragraphsOf(text);
  const ends = [...starts.slice(1), text.length];
  const blocks = starts.map((start, i) => paragraphBlock(text.slice(start, ends[i])));
  const breaks = starts.map((start, i) => breakStart(text, start, ends[i]));
  let at = 0;
  for (const { from, node } of segments(text, spans, 0, text.length, [...starts, ...breaks])) {
    while (from >= ends[at]) at++;
    blocks[at].append(node);
  }
  root.replaceChildren(...blocks);
  paragraphStarts.set(root, starts);
}

/**
 * Redraw root, drawn by renderHighlights with the same text, for `spans`,
 * which differ from the spans it was drawn with only within [from, to)
 * (UTF-16 units): only the paragraphs that overlap [from, to) are drawn
 * again. The result is what renderHighlights(root, text, spans) would make.
 */
export function redrawHighlights(root, text, spans, from, to) {
  const starts = paragraphStarts.get(root);
  if (!starts || starts.length !== root.children.length) {
    renderHighlights(root, text, spans);
    return;
  }
  const first = countBelow(starts, from + 1) - 1;
  const last = countBelow(starts, Math.max(from + 1, to)) - 1;
  for (let i = first; i <= last; i++) {
    const [begin, end] = [starts[i], i + 1 < starts.length ? starts[i + 1] : text.length];
    const near = spans.filter((s) => s.start < end && s.end > begin);
    const block = root.children[i];
    const cuts = [breakStart(text, begin, end)];
    block.replaceChildren(...segments(text, near, begin, end, cuts).map((s) => s.node));
  }
}

// UTF-16 offsets where the paragraphs of text start: 0 and after each run of
// line breaks (which stays at the end of the paragraph before it). [] if empty.
function paragraphsOf(text) {
  const starts = text.length ? [0] : [];
  for (const m of text.matchAll(/\n+/g)) {
    const after = m.index + m[0].length;
    if (after < text.length) starts.push(after);
  }
  return starts;
}

// Where the run of line breaks that ends text[begin, end) starts (end if none):
// those breaks are a segment of their own, drawn without an outline (markFor).
function breakStart(text, begin, end) {
  let at = end;
  while (at > begin && text[at - 1] === '\n') at--;
  return at;
}

// A paragraph off screen is not laid out (content-visibility: auto in
// app.css) until it comes near: until then it takes the height of its
// estimated number of lines, about 84 characters each, plus its blank lines.
function paragraphBlock(paragraph) {
  const block = document.createElement('span');
  block.className = 'paragraph';
  const breaks = paragraph.length - paragraph.trimEnd().length;
  const lines = Math.ceil((paragraph.length - breaks) / 84) + Math.max(0, breaks - 1);
  block.style.setProperty('contain-intrinsic-block-size', `auto ${Math.max(1, lines)}lh`);
  return block;
}


// The segments of text[begin, end) under `spans` (which may reach past it),
// also cut at `moreCuts`: [{from, node}], node a text node or a mark.
function segments(text, spans, begin, end, moreCuts = []) {
  const cuts = new Set([begin, end, ...moreCuts]);
  for (const s of spans) {
    if (s.start > begin && s.start < end) cuts.add(s.start);
    if (s.end > begin && s.end < end) cuts.add(s.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const byStart = [...spans].sort((a, b) => a.start - b.start);
  const pieces = [];
  let active = [];
  let next = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const [from, to] = [points[i], points[i + 1]];
    active = active.filter((s) => s.end > from);
    while (next < byStart.length && byStart[next].start <= from) {
      if (byStart[next].end > from) active.push(byStart[next]);
      next++;
    }
    const piece = text.slice(from, to);
    pieces.push({ from, node: active.length ? markFor(piece, active) : document.createTextNode(piece) });
  }
  return pieces;
}

function markFor(piece, covering) {
  const layers = [...covering].sort((a, b) => (a.end - a.start) - (b.end - b.start) || a.id - b.id);
  const claims = layers.filter((s) => s.kind === 'claim');
  const corrections = layers.filter((s) => s.kind === 'correction');
  const mark = document.createElement('mark');
  mark.className = 'hl';
  mark.textContent = piece;
  mark.dataset.ids = layers.filter((s) => s.kind !== 'draft').map((s) => s.id).join(' ');
  if (claims.length) {
    mark.classList.add('hl-claim');
    mark.style.setProperty('--hl', claims[0].colour);
    if (claims.length > 1) {
      mark.classList.add('hl-overlap');
      mark.style.setProperty('--hl2', claims[1].colour);
    }
    if (claims.length > 2) {
      mark.classList.add('hl-overlap3');
      mark.style.setProperty('--hl3', claims[2].colour);
    }
  }
  if (corrections.length) mark.classList.add('hl-correction');
  if (layers.some((s) => s.kind === 'draft')) mark.classList.add('hl-draft');
  // Only line breaks (between the paragraphs of a span): nothing to outline
  // on the blank line, but the mark stays so that the span's marks spell it.
  if (/^\n+$/.test(piece)) mark.classList.add('hl-break');
  return mark;
}

/** Marks that belong to span `id`, in document order. */
export function marksFor(root, id) {
  return [...root.querySelectorAll(`mark.hl[data-ids~="${Number(id)}"]`)];
}
