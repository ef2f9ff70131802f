// Draws highlights into the article text without changing its characters:
// the text is cut at every span boundary into flat segments, and each segment
// that some span covers becomes one <mark> listing every span over it. So
// overlapping, nested and adjacent spans all stay visible and clickable, and
// root.textContent is always exactly the text.

/**
 * Replace root's content with `text`, marking `spans`.
 * spans: [{id, start, end, kind, colour}] with start/end in UTF-16 units;
 * kind is 'claim', 'correction' or 'draft' (the span being annotated).
 * Each mark gets data-ids (ids of the saved spans over it, innermost first).
 */
export function renderHighlights(root, text, spans) {
  const cuts = new Set([0, text.length]);
  for (const s of spans) { cuts.add(s.start); cuts.add(s.end); }
  const points = [...cuts].sort((a, b) => a - b);
  const byStart = [...spans].sort((a, b) => a.start - b.start);
  const fragment = document.createDocumentFragment();
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
    fragment.append(active.length ? markFor(piece, active) : document.createTextNode(piece));
  }
  root.replaceChildren(fragment);
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
  return mark;
}

/** Marks that belong to span `id`, in document order. */
export function marksFor(root, id) {
  return [...root.querySelectorAll('mark.hl')].filter((m) => m.dataset.ids.split(' ').includes(String(id)));
}
