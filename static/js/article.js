// The article page: select text -> save a claim or correction; list, filter,
// select, edit and delete annotations. Talks to /api with the CSRF header.

import { OffsetMap, rangeToSpan, unitOffsetOf, pointAt } from './offsets.js';
import { renderHighlights, redrawHighlights, marksFor } from './highlight.js';
import { apiClient } from './api.js';
import { draftStore, newClientUuid } from './drafts.js';
import { retryDelay, isTransient } from './retry.js';
import { differences } from './conflict.js';

const page = JSON.parse(document.getElementById('page-data').textContent);
const root = document.getElementById('article-text');
const TEXT = root.textContent;
const map = new OffsetMap(TEXT);
const verdicts = Object.fromEntries(page.verdicts.map((v) => [v.name, v]));
const correctionTypes = Object.fromEntries(page.correction_types.map((c) => [c.name, c]));

const sidebar = document.querySelector('.sidebar');
const list = document.getElementById('annotation-list');
const filter = document.getElementById('author-filter');
const count = document.getElementById('annotation-count');
const editor = document.getElementById('editor');
const form = document.getElementById('annotation-form');
const editorError = document.getElementById('editor-error');
const status = document.getElementById('status');
const emptyNote = document.getElementById('empty-note');
const orphanSection = document.getElementById('orphans');
const orphanList = document.getElementById('orphan-list');
const orphanCount = document.getElementById('orphan-count');
const reattachBanner = document.getElementById('reattach-banner');
const reattachError = document.getElementById('reattach-error');
const staleNote = document.getElementById('stale-note');
const undoNote = document.getElementById('undo-note');
const restoredNote = document.getElementById('restored-note');
const retryNote = document.getElementById('save-retry');
const conflictBox = document.getElementById('conflict');

const state = {
  annotations: [],
  selectedId: null,
  draft: null, // {start, end, exact} of the span being annotated
  editingId: null,
  dirty: false, // the editor holds typing that is not saved
  returnFocus: null, // where the focus goes back to when the editor closes
  reattachId: null, // the orphan waiting for a selection of its new words
  clientUuid: null, // names a new annotation in its create, so a retried save cannot make two
  baseVersion: null, // the version an edit started from: saving over a newer one is a conflict
  conflict: null, // the server's copy that a save ran into (409), while the conflict view shows
};

// Typed work also lives in localStorage until it is saved or cancelled.
const drafts = draftStore(page.article.id, page.user.id);
// The automatic retries of a save that got no answer (or a 5xx).
const retry = { timer: null, attempt: 0, inFlight: false };

// ---------- API ----------

const api = apiClient(page.user.username);

async function load() {
  state.annotations = await api('GET', `/api/articles/${page.article.id}/annotations`);
  render();
  root.dataset.ready = 'true';
}

// After a 404 or 409 the page is out of date (another tab deleted or changed
// something): show the server's current list, keeping the editor as it is.
// If the text itself was edited, the list's offsets count in a text this
// page does not show: say so instead of drawing them on the wrong words.
async function refreshAfter(error) {
  if (error.status !== 404 && error.status !== 409) return;
  try {
    const article = await api('GET', `/api/articles/${page.article.id}`);
    if (article.revision !== page.article.revision) {
      staleNote.hidden = false;
      return;
    }
    await load();
  } catch (e) { /* the message already shown is the one that matters */ }
}

// ---------- Rendering ----------

function visible() {
  const who = filter.value;
  return state.annotations.filter((a) => who === 'all'
    || (who === 'mine' ? a.author_id === page.user.id : String(a.author_id) === who));
}

function render() {
  renderFilter();
  const shown = visible();
  const orphans = shown.filter((a) => a.orphaned);
  drawHighlights(shown);
  // The orphans are listed above the cards: drawn first, so that the cards,
  // drawn next, are put back where they were on screen after the orphans'
  // height has changed, not before.
  orphanSection.hidden = orphans.length === 0;
  orphanCards.show(orphans);
  orphanCount.textContent = `(${orphans.length})`;
  cards.show(shown.filter((a) => !a.orphaned), state.selectedId);
  const claims = shown.filter((a) => a.kind === 'claim').length;
  count.textContent = `${claims} claim${claims === 1 ? '' : 's'}, ${shown.length - claims} correction${shown.length - claims === 1 ? '' : 's'}`;
  list.toggleAttribute('data-empty', shown.length === orphans.length);
  emptyNote.textContent = !state.annotations.length
    ? 'Nothing here yet. Select text in the article to add the first annotation.'
    : shown.length ? 'None on the current text: see the orphaned ones above.' : 'No annotations match this filter.';
  if (!shown.some((a) => a.id === state.selectedId)) state.selectedId = null;
  markSelected();
}

// What the text shows: the saved spans and the draft, in UTF-16 units.
const drawn = { spans: [], draft: null };

function drawHighlights(shown = visible()) {
  // An orphan's offsets point into an older revision: it has no place here.
  drawn.spans = shown.filter((a) => !a.orphaned).map((a) => ({
    id: a.id,
    kind: a.kind,
    start: map.toUnits(a.start),
    end: map.toUnits(a.end),
    colour: a.kind === 'claim' ? (verdicts[a.verdict] || {}).colour || '#888' : null,
  }));
  drawn.draft = draftSpan();
  renderHighlights(root, TEXT, drawn.draft ? [...drawn.spans, drawn.draft] : drawn.spans);
  markSelected();
}

// The span being annotated shows as a dashed 'draft' highlight, since the
// browser's own selection disappears once the panel takes the focus.
function draftSpan() {
  if (!state.draft || state.editingId !== null || state.draft.stale) return null;
  return { id: 0, kind: 'draft', start: map.toUnits(state.draft.start), end: map.toUnits(state.draft.end) };
}

// Only the draft changed (a new selection, the editor opened or closed):
// redraw just the words it left and the words it covers now.
function drawDraft() {
  const draft = draftSpan();
  const old = drawn.draft;
  if (old && draft && old.start === draft.start && old.end === draft.end) return;
  const selected = selectionInText();
  if (old) {
    drawn.draft = null;
    redrawHighlights(root, TEXT, drawn.spans, old.start, old.end);
  }
  if (draft) {
    drawn.draft = draft;
    redrawHighlights(root, TEXT, [...drawn.spans, draft], draft.start, draft.end);
  }
  if (selected) selectText(...selected);
  markSelected();
}

// The browser's selection in the text, as UTF-16 offsets [anchor, focus];
// null if there is none there.
function selectionInText() {
  const selection = window.getSelection();
  if (!selection.rangeCount || selection.isCollapsed || !selection.getRangeAt(0).intersectsNode(root)) return null;
  return [unitOffsetOf(root, selection.anchorNode, selection.anchorOffset),
    unitOffsetOf(root, selection.focusNode, selection.focusOffset)];
}

// Redrawing a paragraph replaces the text nodes a selection points into, and
// the browser then selects the whole paragraph: select the same words again
// (so Shift + arrows go on from where they were).
function selectText(anchor, focus) {
  window.getSelection().setBaseAndExtent(...pointAt(root, anchor), ...pointAt(root, focus));
}

function clearSelectionInText() {
  if (selectionInText()) window.getSelection().removeAllRanges();
}

function renderFilter() {
  const chosen = filter.value;
  const authors = new Map();
  for (const a of state.annotations) if (a.author_id !== page.user.id) authors.set(a.author_id, a.author);
  const options = [['all', 'Everyone'], ['mine', 'Mine']];
  for (const [id, name] of [...authors].sort((x, y) => x[1].localeCompare(y[1]))) options.push([String(id), name]);
  filter.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
  filter.value = options.some(([v]) => v === chosen) ? chosen : 'all';
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function localTime(iso) {
  return timeFormat.format(new Date(iso));
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Thousands of cards cost seconds to build and lay out, so a list draws a
// window of them: a page at first, the next (or the previous) page whenever
// the window's end (or start) comes near the view, and a new window around a
// card that is selected outside it. The window never holds much more than
// MAX_CARDS: cards far behind the scrolling are dropped again, so that a
// save or a new filter, which draw the window anew, stay as quick as on a
// fresh page however far the list was scrolled.
const CARDS_PER_PAGE = 100;
const MAX_CARDS = 2 * CARDS_PER_PAGE;

function pagedList(listElement) {
  let items = [];
  let [lo, hi] = [0, 0]; // the cards drawn are those of items[lo..hi)
  const [head, tail] = [el('li', 'list-more'), el('li', 'list-more')];
  head.setAttribute('aria-hidden', 'true');
  tail.setAttribute('aria-hidden', 'true');
  const near = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting && e.target === head) drawBefore();
      else if (e.isIntersecting && e.target === tail) drawAfter();
    }
  }, { rootMargin: '1000px 0px', scrollMargin: '1000px 0px' }); // scrollMargin: inside the scrolling sidebar too

  function cardsOf(from, to) {
    const fragment = document.createDocumentFragment();
    for (let i = from; i < to; i++) {
      const item = card(items[i]);
      if (items[i].id === state.selectedId) item.classList.add('selected');
      fragment.append(item);
    }
    return fragment;
  }

  // Observing anew reports at once whether each end is still near.
  function watchEnds() {
    near.disconnect();
    if (lo === 0) head.remove(); else if (!head.isConnected) listElement.prepend(head);
    if (hi === items.length) tail.remove(); else if (!tail.isConnected) listElement.append(tail);
    if (lo > 0) near.observe(head);
    if (hi < items.length) near.observe(tail);
  }

  // items' index of the card that has the focus, or -1: that card is never
  // dropped, so that Tab goes on from it.
  function focusedAt() {
    const item = document.activeElement && document.activeElement.closest('.annotation-card');
    if (!item || item.parentElement !== listElement) return -1;
    return lo + [...listElement.children].indexOf(item) - (head.isConnected ? 1 : 0);
  }

  // The browser keeps the cards in view where they were (scroll anchoring),
  // when cards are added or dropped above them too.
  function drawAfter() {
    const to = Math.min(items.length, hi + CARDS_PER_PAGE);
    tail.before(cardsOf(hi, to));
    hi = to;
    const focused = focusedAt();
    let drop = Math.max(0, hi - lo - MAX_CARDS);
    if (focused >= lo) drop = Math.min(drop, focused - lo);
    for (let i = 0; i < drop; i++) (head.isConnected ? head.nextElementSibling : listElement.firstElementChild).remove();
    lo += drop;
    watchEnds();
  }

  function drawBefore() {
    const from = Math.max(0, lo - CARDS_PER_PAGE);
    head.after(cardsOf(from, lo));
    lo = from;
    const focused = focusedAt();
    let drop = Math.max(0, hi - lo - MAX_CARDS);
    if (focused >= lo) drop = Math.min(drop, hi - 1 - focused);
    for (let i = 0; i < drop; i++) (tail.isConnected ? tail.previousElementSibling : listElement.lastElementChild).remove();
    hi -= drop;
    watchEnds();
  }

  function drawWindow(from, to) {
    [lo, hi] = [from, to];
    listElement.replaceChildren(head, cardsOf(from, to), tail);
    watchEnds();
  }

  // The first drawn card at or below the top of the view, and its top on screen.
  function topCard() {
    const top = Math.max(0, sidebar.getBoundingClientRect().top);
    for (const item of listElement.children) {
      if (!item.classList.contains('annotation-card')) continue;
      const rect = item.getBoundingClientRect();
      if (rect.bottom > top) return { id: Number(item.dataset.id), top: rect.top };
    }
    return null;
  }

  return {
    /** Show cards for `annotations` (in the page's order): a page of them
     * around the card that was at the top of the view, which stays where
     * it was on screen (or the one now in its place), and card `keepId`
     * too if it is not far from there. */
    show(annotations, keepId = null) {
      const before = topCard();
      const old = before && items.find((a) => a.id === before.id);
      items = annotations;
      let at = old ? items.findIndex((a) => !inOrder(a, old)) : lo;
      if (at < 0) at = items.length;
      let from = Math.max(0, Math.min(at - CARDS_PER_PAGE / 4, items.length - CARDS_PER_PAGE));
      let to = Math.min(items.length, from + CARDS_PER_PAGE);
      const kept = keepId === null ? -1 : items.findIndex((a) => a.id === keepId);
      if (kept >= 0 && kept < from && to - kept <= MAX_CARDS) from = kept;
      if (kept >= to && kept + 1 - from <= MAX_CARDS) to = kept + 1;
      drawWindow(from, to);
      const now = before && at < items.length && listElement.querySelector(`[data-id="${items[at].id}"]`);
      if (now) scroller().scrollTop += now.getBoundingClientRect().top - before.top;
    },
    /** Make sure annotation `id`'s card is drawn, if it is in the list;
     * true if that took a new window around it. */
    reveal(id) {
      const at = items.findIndex((a) => a.id === id);
      if (at < 0 || (at >= lo && at < hi)) return false;
      const from = Math.max(0, Math.min(at - CARDS_PER_PAGE / 2, items.length - CARDS_PER_PAGE));
      drawWindow(from, Math.min(items.length, from + CARDS_PER_PAGE));
      return true;
    },
  };
}

// Whether annotation a comes before b in the list (by start, end, id: the
// order of state.annotations).
function inOrder(a, b) {
  return (a.start - b.start || a.end - b.end || a.id - b.id) < 0;
}

// What scrolls when the list does: the sidebar, or in a narrow window the page.
function scroller() {
  return sidebar.scrollHeight > sidebar.clientHeight ? sidebar : document.scrollingElement;
}

const cards = pagedList(list);
const orphanCards = pagedList(orphanList);

function card(a) {
  const item = el('li', `annotation-card kind-${a.kind}${a.orphaned ? ' orphaned' : ''}`);
  item.dataset.id = a.id;
  item.tabIndex = 0;
  const head = el('div', 'card-head');
  if (a.kind === 'claim') {
    const badge = el('span', 'badge verdict', (verdicts[a.verdict] || { label: a.verdict }).label);
    badge.style.setProperty('--hl', (verdicts[a.verdict] || {}).colour || '#888');
    head.append(badge);
  } else {
    head.append(el('span', 'badge correction', (correctionTypes[a.correction_type] || { label: a.correction_type }).label));
  }
  const mine = a.author_id === page.user.id;
  const author = el('span', 'author', mine ? `${a.author} (you)` : a.author);
  author.title = a.author; // a long name is cut short with "…"
  head.append(author);
  const time = el('time', 'when', localTime(a.updated_at));
  time.dateTime = a.updated_at;
  time.title = `Created ${localTime(a.created_at)}, updated ${localTime(a.updated_at)} (your time; stored as UTC)`;
  head.append(time, el('span', 'ref', `#${a.id}`));
  item.append(head);
  if (a.status !== 'open') item.append(statusBadge(a));

  if (a.kind === 'correction') {
    const change = el('p', 'change');
    change.append(el('del', '', a.exact), el('span', 'arrow', ' → '),
      a.correction ? el('ins', '', a.correction) : el('em', 'deletion', 'delete'));
    item.append(change);
  } else {
    item.append(el('blockquote', 'quote', a.exact));
  }
  if (a.rationale) item.append(el('p', 'rationale', a.rationale));
  if (a.sources.length) {
    const sources = el('ul', 'sources');
    for (const url of a.sources) {
      const link = el('a', '', url.replace(/^https?:\/\//, ''));
      link.href = url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer nofollow';
      const li = el('li');
      li.append(link);
      sources.append(li);
    }
    item.append(sources);
  }
  const reviews = el('button', 'link-button reviews', reviewSummary(a));
  reviews.type = 'button';
  reviews.addEventListener('click', (e) => { e.stopPropagation(); toggleReviews(item, a); });
  const history = el('a', 'history', 'History');
  history.href = `/annotations/${a.id}`;
  const reviewRow = el('div', 'card-actions');
  reviewRow.append(reviews, history);
  item.append(reviewRow);
  if (mine) {
    const actions = el('div', 'card-actions');
    const edit = el('button', 'link-button edit', 'Edit');
    edit.type = 'button';
    edit.addEventListener('click', (e) => { e.stopPropagation(); openEditor(a); });
    const remove = el('button', 'link-button danger delete', 'Delete');
    remove.type = 'button';
    remove.addEventListener('click', (e) => { e.stopPropagation(); confirmDelete(item, a); });
    actions.append(edit, remove);
    if (a.orphaned) {
      const reattach = el('button', 'link-button reattach', 'Re-attach');
      reattach.type = 'button';
      reattach.addEventListener('click', (e) => { e.stopPropagation(); startReattach(a); });
      actions.prepend(reattach);
    }
    item.append(actions);
  }
  item.addEventListener('click', (e) => {
    if (e.target.closest('a, button, .review-panel')) return;
    select(a.id, { scrollText: true });
  });
  item.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target === item) select(a.id, { scrollText: true });
  });
  return item;
}

// ---------- Reviews and status ----------

const STATUS_LABELS = { open: 'Open', accepted: 'Accepted', rejected: 'Rejected', 'needs-work': 'Needs work' };

function reviewSummary(a) {
  if (!a.review_count) return 'Reviews (none yet)';
  return `Reviews (${a.review_count}: ${a.agree_count} agree, ${a.disagree_count} disagree)`;
}

function statusBadge(a) {
  const badge = el('p', `status-line status-${a.status}`, `${STATUS_LABELS[a.status]}`);
  if (a.final_verdict) badge.textContent += ` · final verdict: ${(verdicts[a.final_verdict] || {}).label || a.final_verdict}`;
  if (a.status_note) badge.textContent += ` · ${a.status_note}`;
  return badge;
}

function threadItem(r) {
  const li = el('li', `review review-${r.decision}`);
  const what = r.decision === 'disagree'
    ? `disagrees${r.verdict ? `: ${(verdicts[r.verdict] || {}).label || r.verdict}` : ''}${r.correction !== null ? `: “${r.correction}”` : ''}`
    : r.decision === 'agree' ? 'agrees' : 'comments';
  li.append(el('strong', '', r.reviewer), el('span', '', ` ${what}`));
  if (r.comment) li.append(el('p', 'review-comment', r.comment));
  return li;
}

async function toggleReviews(item, a) {
  const open = item.querySelector('.review-panel');
  if (open) { open.remove(); return; }
  const panel = el('div', 'review-panel');
  const thread = el('ol', 'thread');
  panel.append(thread);
  item.append(panel);
  try {
    thread.replaceChildren(...(await api('GET', `/api/annotations/${a.id}/reviews`)).map(threadItem));
  } catch (e) {
    thread.replaceChildren(el('li', 'form-error', e.message));
  }
  if (a.author_id !== page.user.id) panel.append(reviewForm(a, thread));
  if (page.user.role === 'editor' || page.user.role === 'admin') panel.append(statusForm(a));
}

function choice(name, value, label, checked = false) {
  const wrap = el('label', 'choice');
  const input = document.createElement('input');
  Object.assign(input, { type: 'radio', name, value, checked });
  wrap.append(input, ` ${label}`);
  return wrap;
}

function reviewForm(a, thread) {
  const f = el('form', 'review-form');
  f.dataset.decision = 'agree';
  const decisions = el('div', 'decisions');
  decisions.append(choice('decision', 'agree', 'Agree', true), choice('decision', 'disagree', 'Disagree'),
    choice('decision', 'comment', 'Comment'));
  f.append(decisions);
  const own = el('label', 'disagree-only', a.kind === 'claim' ? 'Your verdict' : 'Your replacement');
  if (a.kind === 'claim') {
    const select = document.createElement('select');
    select.name = 'verdict';
    const prompt = new Option('Choose your verdict…', '', true, true);
    prompt.disabled = true;
    select.append(prompt, ...page.verdicts.filter((v) => v.name !== a.verdict).map((v) => new Option(v.label, v.name)));
    own.append(select);
  } else {
    const input = document.createElement('textarea');
    Object.assign(input, { name: 'correction', rows: 1, value: a.correction ?? '' });
    own.append(input);
  }
  const comment = el('label', '', 'Comment or reason');
  const text = document.createElement('textarea');
  Object.assign(text, { name: 'comment', rows: 2 });
  comment.append(text);
  const error = el('p', 'form-error');
  const send = el('button', 'button small primary', 'Send review');
  send.type = 'submit';
  f.append(own, comment, error, send);
  f.addEventListener('change', () => { f.dataset.decision = f.elements.decision.value; });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (send.disabled) return;
    send.disabled = true;
    error.textContent = '';
    // The content this card shows is what is judged: the server refuses the
    // review if the annotation was edited since.
    const body = { decision: f.elements.decision.value, comment: f.elements.comment.value,
      content_version: a.content_version };
    if (body.decision === 'disagree') {
      if (a.kind === 'claim') body.verdict = f.elements.verdict.value;
      else body.correction = f.elements.correction.value;
    }
    try {
      thread.append(threadItem(await api('POST', `/api/annotations/${a.id}/reviews`, body)));
      f.elements.comment.value = '';
      await refreshOne(a.id, thread.closest('.annotation-card'));
      announce('Review sent.');
    } catch (err) {
      error.textContent = err.message;
    } finally {
      send.disabled = false;
    }
  });
  return f;
}

function statusForm(a) {
  const f = el('form', 'status-form');
  const label = el('label', '', 'Status');
  const select = document.createElement('select');
  select.name = 'status';
  select.append(...Object.entries(STATUS_LABELS).map(([v, l]) => new Option(l, v, false, v === a.status)));
  label.append(select);
  const note = document.createElement('input');
  Object.assign(note, { name: 'note', placeholder: 'Note (optional)', value: a.status_note });
  const error = el('p', 'form-error');
  const save = el('button', 'button small', 'Set status');
  save.type = 'submit';
  f.append(label, note, error, save);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      const known = state.annotations.find((x) => x.id === a.id) || a;
      await api('POST', `/api/annotations/${a.id}/status`,
        { status: select.value, note: note.value, version: known.version });
      await refreshOne(a.id, f.closest('.annotation-card'));
      announce('Status set.');
    } catch (err) {
      error.textContent = err.message;
    }
  });
  return f;
}

// Take the server's copy of one annotation and update its card's summary
// lines in place, leaving the open review panel as it is.
async function refreshOne(id, item) {
  const fresh = await api('GET', `/api/annotations/${id}`);
  state.annotations = state.annotations.map((x) => (x.id === id ? fresh : x));
  item.querySelector('button.reviews').textContent = reviewSummary(fresh);
  const old = item.querySelector('.status-line');
  if (old) old.remove();
  if (fresh.status !== 'open') item.querySelector('.card-head').after(statusBadge(fresh));
}

// ---------- Selecting an annotation ----------

function select(id, { scrollText = false, scrollList = false } = {}) {
  state.selectedId = id;
  // A card drawn in a new window is far away: the list jumps to it, since
  // the pages drawn around it next would move a smooth scroll's target.
  const newWindow = id !== null && (cards.reveal(id) || orphanCards.reveal(id));
  markSelected();
  if (id === null) return;
  const marks = marksFor(root, id);
  if (scrollText && marks.length) scrollTextTo(marks[0]);
  const item = cardOf(id);
  if (scrollList && item) scrollListTo(item, newWindow);
}

// A far card jumps to the top of the sidebar (only the sidebar scrolls: the
// text stays on its words), so that the cards and orphans above it, drawn as
// they come near, add to what is above the view, not push the card away.
function scrollListTo(item, far) {
  const { top, bottom } = item.getBoundingClientRect();
  const near = !far && bottom > -window.innerHeight && top < 2 * window.innerHeight;
  const box = scroller();
  if (near || box !== sidebar) item.scrollIntoView({ block: 'nearest', behavior: near ? 'smooth' : 'instant' });
  else sidebar.scrollTop += top - sidebar.getBoundingClientRect().top;
}

// Paragraphs far from the view have estimated heights until they are laid
// out (content-visibility in app.css), so a long smooth scroll would end off
// its target: only a short one glides, a long one jumps.
function scrollTextTo(node) {
  const { top, bottom } = node.getBoundingClientRect();
  const near = bottom > -window.innerHeight && top < 2 * window.innerHeight;
  node.scrollIntoView({ block: 'center', behavior: near ? 'smooth' : 'instant' });
}

function markSelected() {
  for (const m of root.querySelectorAll('mark.selected')) m.classList.remove('selected');
  for (const c of sidebar.querySelectorAll('.annotation-card.selected')) c.classList.remove('selected');
  if (state.selectedId === null) return;
  for (const m of marksFor(root, state.selectedId)) m.classList.add('selected');
  const item = cardOf(state.selectedId);
  if (item) item.classList.add('selected');
}

// The drawn card of annotation `id`, in the list or among the orphans; null if not drawn.
function cardOf(id) {
  return list.querySelector(`[data-id="${id}"]`) || orphanList.querySelector(`[data-id="${id}"]`);
}

// A click on a highlight selects its innermost annotation; clicking again
// cycles through the others under the same spot.
function clickedHighlight(mark) {
  const ids = mark.dataset.ids.split(' ').filter(Boolean).map(Number);
  if (!ids.length) return;
  const at = ids.indexOf(state.selectedId);
  select(ids[(at + 1) % ids.length], { scrollList: true });
}

// ---------- Making a new annotation from a text selection ----------

function onSelectionEnd(event) {
  const selection = window.getSelection();
  if (selection.rangeCount && !selection.isCollapsed) {
    const range = selection.getRangeAt(0);
    if (range.intersectsNode(root)) {
      const span = rangeToSpan(root, range, map);
      if (span) {
        newSelection(span, event.type !== 'keyup');
        // The dashed draft shows the words now; a selection left in place
        // would make the next press on them drag the text instead of selecting.
        if (event.type !== 'keyup') clearSelectionInText();
        return;
      }
    }
  }
  const mark = event.target.closest && event.target.closest('mark.hl');
  if (mark && root.contains(mark)) clickedHighlight(mark);
}

// ---------- Editor panel ----------

// A new selection while a new annotation is being written moves it to the new
// words and keeps what was typed; during an unsaved edit it is refused.
function newSelection(span, focus) {
  if (state.reattachId !== null) {
    reattach(span);
    return;
  }
  if (!editor.hidden && state.dirty) {
    if (state.editingId !== null) {
      editorError.textContent = 'Save or cancel this edit before starting another annotation.';
      return;
    }
    state.draft = span;
    document.getElementById('editor-quote').textContent = span.exact;
    drawDraft();
    rememberDraft();
    return;
  }
  openEditor(null, span, { focus });
}

// ---------- Re-attaching an orphan to new words ----------

function startReattach(annotation) {
  if (!editor.hidden && state.dirty) {
    editorError.textContent = 'Save or cancel what you are writing before re-attaching.';
    return;
  }
  closeEditor();
  state.reattachId = annotation.id;
  document.getElementById('reattach-what').textContent = `“${annotation.exact.slice(0, 80)}”`;
  reattachError.textContent = '';
  reattachBanner.hidden = false;
  reattachBanner.scrollIntoView({ block: 'nearest' });
}

function stopReattach() {
  state.reattachId = null;
  reattachBanner.hidden = true;
}

async function reattach(span) {
  const { id, version } = state.annotations.find((a) => a.id === state.reattachId);
  try {
    const saved = await api('PATCH', `/api/annotations/${id}`, { ...span, version, revision: page.article.revision });
    state.annotations = state.annotations.map((a) => (a.id === saved.id ? saved : a))
      .sort((x, y) => x.start - y.start || x.end - y.end || x.id - y.id);
    stopReattach();
    window.getSelection().removeAllRanges();
    render();
    select(saved.id, { scrollList: true });
    announce('Re-attached.');
  } catch (e) {
    reattachError.textContent = e.message;
    await refreshAfter(e);
  }
}

function setKind(kind) {
  form.elements.kind.value = kind;
  editor.dataset.kind = kind;
  // A correction starts from the words themselves, never from an empty
  // replacement that would silently mean 'delete'.
  if (kind === 'correction' && !form.elements.correction.value && state.draft) {
    form.elements.correction.value = state.draft.exact;
  }
}

function openEditor(annotation, span = null, { focus = true } = {}) {
  if (annotation && !editor.hidden && state.dirty && state.editingId !== annotation.id) {
    editorError.textContent = 'Save or cancel what you are writing before editing another annotation.';
    return;
  }
  if (editor.hidden) state.returnFocus = document.activeElement;
  state.editingId = annotation ? annotation.id : null;
  state.draft = annotation ? { start: annotation.start, end: annotation.end, exact: annotation.exact } : span;
  state.clientUuid = annotation ? null : newClientUuid();
  state.baseVersion = annotation ? annotation.version : null;
  form.reset();
  state.dirty = false;
  editorError.textContent = '';
  stopRetrying();
  hideConflict();
  restoredNote.hidden = true;
  document.getElementById('editor-title').textContent = annotation ? 'Edit annotation' : 'New annotation';
  document.getElementById('editor-quote').textContent = state.draft.exact;
  if (annotation) {
    if (annotation.verdict) form.elements.verdict.value = annotation.verdict;
    if (annotation.correction_type) form.elements.correction_type.value = annotation.correction_type;
    form.elements.correction.value = annotation.correction ?? '';
    form.elements.rationale.value = annotation.rationale;
    form.elements.sources.value = annotation.sources.join('\n');
  }
  setKind(annotation ? annotation.kind : 'claim');
  editor.hidden = false;
  editor.scrollIntoView({ block: 'nearest' });
  drawDraft();
  if (annotation) select(annotation.id, { scrollText: true });
  if (focus) (annotation ? form.elements.rationale : form.elements.verdict).focus({ preventScroll: true });
}

// Closing is saving or giving up on what was typed: the stored draft goes too.
function closeEditor() {
  const wasOpen = !editor.hidden;
  editor.hidden = true;
  state.draft = null;
  state.editingId = null;
  state.clientUuid = null;
  state.baseVersion = null;
  state.dirty = false;
  stopRetrying();
  hideConflict();
  restoredNote.hidden = true;
  drafts.clear();
  if (wasOpen) drawDraft();
  if (wasOpen) clearSelectionInText(); // the words it was about are not selected any more
  if (wasOpen && state.returnFocus && state.returnFocus.isConnected) state.returnFocus.focus({ preventScroll: true });
}

function formPayload() {
  const kind = form.elements.kind.value;
  const payload = {
    kind,
    rationale: form.elements.rationale.value,
    // One URL per line or space; a comma or semicolon typed after one is not part of it.
    sources: form.elements.sources.value.split(/\s+/).map((u) => u.replace(/[,;]+$/, '')).filter(Boolean),
  };
  if (kind === 'claim') payload.verdict = form.elements.verdict.value;
  else {
    payload.correction_type = form.elements.correction_type.value;
    payload.correction = form.elements.correction.value;
  }
  return payload;
}

// The form as typed (sources as the raw text): what a draft stores.
function formValues() {
  const f = form.elements;
  return { kind: f.kind.value, verdict: f.verdict.value, correction_type: f.correction_type.value,
    correction: f.correction.value, rationale: f.rationale.value, sources: f.sources.value };
}

function fillForm(values) {
  const f = form.elements;
  setKind(values.kind === 'correction' ? 'correction' : 'claim'); // first: it may fill in the correction
  f.verdict.value = values.verdict || '';
  if (values.correction_type) f.correction_type.value = values.correction_type;
  f.correction.value = values.correction ?? '';
  f.rationale.value = values.rationale || '';
  f.sources.value = Array.isArray(values.sources) ? values.sources.join('\n') : values.sources || '';
}

/** Store the open editor's work in localStorage; false if the browser refused. */
function rememberDraft() {
  if (editor.hidden || !state.draft) return true;
  const { start, end, exact } = state.draft;
  return drafts.save({
    // A span restored on another text is not trusted again until re-selected.
    revision: state.draft.stale ? null : page.article.revision,
    span: { start, end, exact },
    fields: formValues(),
    client_uuid: state.clientUuid,
    editing_id: state.editingId,
    version: state.baseVersion,
  });
}

// Reopening the page brings back what was being typed, on its words if the
// text is still the revision it was typed on.
function restoreDraft() {
  const saved = drafts.load();
  if (!saved || !editor.hidden) return;
  const editing = saved.editing_id === null ? null : state.annotations.find((a) => a.id === saved.editing_id);
  const sameText = saved.revision === page.article.revision;
  let note = 'Restored what you were typing.';
  if (editing) {
    openEditor(editing, null, { focus: false });
    state.baseVersion = saved.version; // a save made elsewhere since is a conflict, not overwritten
  } else {
    openEditor(null, { ...saved.span, stale: !sameText }, { focus: false });
    if (saved.editing_id === null && sameText) state.clientUuid = saved.client_uuid || state.clientUuid;
    if (saved.editing_id !== null) note += ' The annotation you were editing is gone; saving makes a new one.';
    else if (!sameText) note += ' The article’s text was edited since: select the words again, then Save.';
  }
  fillForm(saved.fields);
  state.dirty = true;
  drawDraft();
  rememberDraft();
  restoredNote.textContent = note;
  restoredNote.hidden = false;
}

async function save(event) {
  event.preventDefault();
  if (form.elements.kind.value === 'claim' && !form.elements.verdict.value) {
    editorError.textContent = 'Choose a verdict.';
    form.elements.verdict.focus();
    return;
  }
  if (state.draft.stale) {
    editorError.textContent = 'The article’s text was edited since you typed this: select the words again, then Save.';
    return;
  }
  await attemptSave();
}

// One try at saving the editor's content: from Save, Retry now, Keep mine or
// the retry timer. Never two at once, so a double click sends one request.
async function attemptSave() {
  const button = form.querySelector('button[type="submit"]');
  if (retry.inFlight) return;
  retry.inFlight = true;
  button.disabled = true;
  clearTimeout(retry.timer);
  editorError.textContent = '';
  if (!retryNote.hidden) document.getElementById('save-retry-when').textContent = 'retrying…';
  try {
    const saved = await sendAnnotation();
    closeEditor();
    window.getSelection().removeAllRanges();
    if (!visible().some((a) => a.id === saved.id)) filter.value = 'all';
    render();
    select(saved.id, { scrollList: true });
    announce(`Saved ${saved.kind}.`);
  } catch (e) {
    await saveFailed(e);
  } finally {
    retry.inFlight = false;
    button.disabled = false;
  }
}

async function sendAnnotation() {
  let saved;
  if (state.editingId !== null) {
    saved = await api('PATCH', `/api/annotations/${state.editingId}`, { ...formPayload(), version: state.baseVersion });
    state.annotations = state.annotations.map((a) => (a.id === saved.id ? saved : a));
  } else {
    const { start, end, exact } = state.draft;
    saved = await api('POST', `/api/articles/${page.article.id}/annotations`,
      { start, end, exact, ...formPayload(), revision: page.article.revision, client_uuid: state.clientUuid });
    // A retry the server had already stored answers with that annotation: list it once.
    state.annotations = state.annotations.filter((a) => a.id !== saved.id);
    state.annotations.push(saved);
    state.annotations.sort((x, y) => x.start - y.start || x.end - y.end || x.id - y.id);
  }
  return saved;
}

async function saveFailed(e) {
  if (editor.hidden) return; // cancelled while the request was out
  rememberDraft();
  if (isTransient(e)) {
    scheduleRetry();
    return;
  }
  stopRetrying();
  if (e.status === 401) {
    editorError.textContent = 'You were logged out; log in in another tab, then press Save. What you typed is kept.';
    return;
  }
  if (e.status === 409 && state.editingId !== null && await showConflict(e)) return;
  editorError.textContent = e.message;
  await refreshAfter(e);
}

function scheduleRetry() {
  const seconds = retryDelay(retry.attempt);
  retry.attempt += 1;
  document.getElementById('save-retry-when').textContent = `retrying in ${seconds} s…`;
  retryNote.hidden = false;
  retry.timer = setTimeout(attemptSave, seconds * 1000);
}

function stopRetrying() {
  clearTimeout(retry.timer);
  retry.timer = null;
  retry.attempt = 0;
  retryNote.hidden = true;
}

// ---------- Conflicts: someone saved this annotation meanwhile ----------

function labelOf(field, value) {
  if (field === 'verdict') return (verdicts[value] || { label: value }).label;
  if (field === 'correction_type') return (correctionTypes[value] || { label: value }).label;
  if (field === 'kind') return value === 'claim' ? 'Claim' : 'Correction';
  return value;
}

// Who made the newest change, from the annotation's history.
async function changedBy(id) {
  try {
    const events = await api('GET', `/api/annotations/${id}/history`);
    const last = events[events.length - 1];
    if (!last || !last.user) return 'someone else';
    return last.user === page.user.username ? 'you in another tab' : last.user;
  } catch (e) {
    return 'someone else';
  }
}

/** Show the conflict view for a 409 on an edit; false if the 409 was not
 * about a newer version (a duplicate span, say), so its message is shown. */
async function showConflict(error) {
  let current = error.data && error.data.current;
  try {
    if (!current) current = await api('GET', `/api/annotations/${state.editingId}`);
  } catch (e) {
    return false;
  }
  if (current.id !== state.editingId || current.version === state.baseVersion) return false;
  state.conflict = current;
  state.annotations = state.annotations.map((a) => (a.id === current.id ? current : a));
  render();
  document.getElementById('conflict-title').textContent = `Changed by ${await changedBy(current.id)} meanwhile`;
  const rows = differences(formPayload(), current, labelOf);
  const body = document.getElementById('conflict-rows');
  body.replaceChildren(...(rows.length ? rows : [{ label: 'All fields', theirs: 'the same as yours', mine: '' }])
    .map((row) => {
      const tr = el('tr');
      tr.append(el('th', '', row.label), el('td', 'theirs', row.theirs), el('td', 'mine', row.mine));
      tr.firstChild.scope = 'row';
      return tr;
    }));
  conflictBox.hidden = false;
  conflictBox.scrollIntoView({ block: 'nearest' });
  return true;
}

function hideConflict() {
  state.conflict = null;
  conflictBox.hidden = true;
}

// Overwrite deliberately: the save now builds on the version that is there.
function keepMine() {
  if (!state.conflict) return;
  state.baseVersion = state.conflict.version;
  hideConflict();
  rememberDraft();
  attemptSave();
}

function takeTheirs() {
  const theirs = state.conflict;
  if (!theirs) return;
  state.baseVersion = theirs.version;
  state.draft = { start: theirs.start, end: theirs.end, exact: theirs.exact };
  document.getElementById('editor-quote').textContent = theirs.exact;
  form.reset();
  fillForm(theirs);
  hideConflict();
  rememberDraft();
  announce('Their version is in the form now.');
}

function confirmDelete(item, a) {
  if (item.querySelector('.confirm')) return;
  const box = el('div', 'confirm');
  box.setAttribute('role', 'alertdialog');
  box.append(el('span', '', `Delete this ${a.kind}? This cannot be undone.`));
  const yes = el('button', 'button danger small', 'Delete');
  const no = el('button', 'button small', 'Cancel');
  yes.type = no.type = 'button';
  yes.addEventListener('click', async (e) => {
    e.stopPropagation();
    yes.disabled = true;
    try {
      await api('DELETE', `/api/annotations/${a.id}`);
      state.annotations = state.annotations.filter((x) => x.id !== a.id);
      if (state.editingId === a.id) closeEditor();
      render();
      announce(`Deleted ${a.kind}.`);
      offerUndo(a);
    } catch (err) {
      box.firstChild.textContent = err.message;
      yes.disabled = false;
      await refreshAfter(err);
    }
  });
  no.addEventListener('click', (e) => { e.stopPropagation(); box.remove(); item.focus(); });
  box.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); box.remove(); item.focus(); } });
  box.append(yes, no);
  item.append(box);
  no.focus();
}

// Deletes are soft: right after one, the list offers to take it back.
function offerUndo(a) {
  const quote = a.exact.length > 40 ? `${a.exact.slice(0, 40)}…` : a.exact;
  undoNote.querySelector('span').textContent = `Deleted the ${a.kind} on “${quote}”.`;
  undoNote.hidden = false;
  const undo = undoNote.querySelector('button');
  undo.onclick = async () => {
    undo.disabled = true;
    try {
      const restored = await api('POST', `/api/annotations/${a.id}/restore`);
      state.annotations.push(restored);
      state.annotations.sort((x, y) => x.start - y.start || x.end - y.end || x.id - y.id);
      undoNote.hidden = true;
      render();
      select(restored.id, { scrollList: true });
      announce('Restored.');
    } catch (err) {
      undoNote.querySelector('span').textContent = err.message;
    } finally {
      undo.disabled = false;
    }
  };
}

function announce(message) {
  status.textContent = message;
}

// ---------- Wiring ----------

// A drag may start in the margin and end anywhere; one that starts in the
// sidebar (the editor, say) must not reopen the editor and wipe what was typed.
let pressedOutsideSidebar = false;
document.addEventListener('mousedown', (e) => { pressedOutsideSidebar = !sidebar.contains(e.target); });
document.addEventListener('mouseup', (e) => {
  if (!pressedOutsideSidebar) return;
  pressedOutsideSidebar = false;
  setTimeout(() => onSelectionEnd(e), 0);
});
// Selecting with the keyboard (Shift + arrows, with caret browsing on).
document.addEventListener('keyup', (e) => {
  if (e.shiftKey && !sidebar.contains(e.target)) onSelectionEnd(e);
});
filter.addEventListener('change', render);
form.addEventListener('submit', save);
for (const radio of form.elements.kind) radio.addEventListener('change', () => setKind(form.elements.kind.value));
form.addEventListener('input', () => { state.dirty = true; rememberDraft(); });
document.getElementById('editor-cancel').addEventListener('click', closeEditor);
document.getElementById('save-retry-now').addEventListener('click', attemptSave);
document.getElementById('conflict-keep').addEventListener('click', keepMine);
document.getElementById('conflict-take').addEventListener('click', takeTheirs);
document.getElementById('reattach-cancel').addEventListener('click', stopReattach);
// Escape closes an untouched editor; typed work needs the Cancel button.
document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !editor.hidden && !state.dirty) closeEditor(); });
// Typed work is in localStorage and comes back on reopening; ask before
// leaving only when the browser would not store it.
window.addEventListener('beforeunload', (e) => { if (!editor.hidden && state.dirty && !rememberDraft()) e.preventDefault(); });

// A link such as /articles/1#annotation-7 (from the review queue or a history
// page) opens the page on that annotation.
function selectFromHash() {
  const match = /^#annotation-(\d+)$/.exec(window.location.hash);
  const id = match && Number(match[1]);
  if (id && state.annotations.some((a) => a.id === id)) select(id, { scrollText: true, scrollList: true });
}
window.addEventListener('hashchange', selectFromHash);

// For the performance timeline (bench/bench_page.py): the text, every
// highlight and the list are drawn, and then the frame showing them is.
function markPainted() {
  performance.mark('annotations-drawn');
  requestAnimationFrame(() => {
    const channel = new MessageChannel(); // its message runs once this frame is rendered
    channel.port1.onmessage = () => performance.mark('annotations-painted');
    channel.port2.postMessage(null);
  });
}

load().then(markPainted).then(restoreDraft).then(selectFromHash).catch((e) => announce(`Could not load the annotations: ${e.message}`));
