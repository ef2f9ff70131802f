// The review queue page: one current annotation shown large, the rest in a
// list; keys move through it and review. Reviews go to
// POST /api/annotations/<id>/reviews; after each one the queue is fetched
// again from /api/queue, so the list and the filter counts are the server's.

import { apiClient } from './api.js';

const page = JSON.parse(document.getElementById('page-data').textContent);
const api = apiClient(page.user.username);
const verdicts = Object.fromEntries(page.verdicts.map((v) => [v.name, v]));
const correctionTypes = Object.fromEntries(page.correction_types.map((c) => [c.name, c]));
const FACETS = ['article', 'author', 'kind', 'verdict', 'status'];
const CONTEXT_CHARS = 32; // the server's quote context; a shorter one reaches the edge of the text

const layout = document.getElementById('queue');
const list = document.getElementById('queue-list');
const current = document.getElementById('current');
const currentItem = document.getElementById('current-item');
const form = document.getElementById('review-form');
const fields = document.getElementById('review-fields');
const error = document.getElementById('review-error');
const status = document.getElementById('queue-status');
const empty = document.getElementById('queue-empty');
const total = document.getElementById('queue-total');
const shown = document.getElementById('queue-shown');
const openLink = document.getElementById('open-article');
const help = document.getElementById('key-help');
const sendButton = document.getElementById('send-review');

const state = {
  items: page.queue.items,
  counts: page.queue.counts,
  total: page.queue.total,
  currentId: page.queue.items.length ? page.queue.items[0].id : null,
  busy: false, // a review is on its way: review keys wait for it
  drafts: new Map(), // annotation id -> what was typed for it, kept while moving around
};

// ---------- Helpers ----------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

function announce(message) {
  status.textContent = message;
}

function currentIndex() {
  return state.items.findIndex((a) => a.id === state.currentId);
}

function currentAnnotation() {
  return state.items[currentIndex()] || null;
}

function articleUrl(a) {
  return `/articles/${a.article_id}#annotation-${a.id}`;
}

function badge(a) {
  if (a.kind === 'claim') {
    const v = verdicts[a.verdict] || { label: a.verdict, colour: '#888' };
    const b = el('span', 'badge verdict', v.label);
    b.style.setProperty('--hl', v.colour);
    return b;
  }
  return el('span', 'badge correction', (correctionTypes[a.correction_type] || { label: a.correction_type }).label);
}

// Only http(s) sources become links; anything else stays text.
function sourceLink(url) {
  let parsed = null;
  try { parsed = new URL(url); } catch (e) { /* not a URL: shown as text */ }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) return el('span', '', url);
  const link = el('a', '', url.replace(/^https?:\/\//, ''));
  Object.assign(link, { href: parsed.href, target: '_blank', rel: 'noopener noreferrer nofollow' });
  return link;
}

function describe(a) {
  const what = a.kind === 'claim' ? `claim (${(verdicts[a.verdict] || {}).label || a.verdict})` : 'correction';
  const quote = a.exact.length > 60 ? `${a.exact.slice(0, 60)}…` : a.exact;
  return `${what} by ${a.author}: “${quote}”`;
}

// ---------- Rendering ----------

function render() {
  renderCounts();
  const hasItems = state.items.length > 0;
  layout.hidden = !hasItems;
  empty.hidden = hasItems;
  list.replaceChildren(...state.items.map(listItem));
  shown.textContent = state.items.length < state.total ? `(first ${state.items.length} of ${state.total})` : '';
  renderCurrent();
}

function renderCounts() {
  total.textContent = `${state.total} to review`;
  for (const facet of FACETS) {
    const select = document.querySelector(`.queue-filters select[name="${facet}"]`);
    const chosen = select.value;
    const options = [new Option('Any', '')];
    for (const c of state.counts[facet]) options.push(new Option(`${c.label} (${c.count})`, String(c.value)));
    select.replaceChildren(...options);
    select.value = options.some((o) => o.value === chosen) ? chosen : '';
  }
}

function listItem(a) {
  const li = el('li');
  const button = el('button', `queue-item kind-${a.kind}`);
  button.type = 'button';
  button.dataset.id = a.id;
  const head = el('span', 'queue-item-head');
  const author = el('span', 'author', a.author);
  author.title = a.author; // a long name is cut short with "…"
  head.append(badge(a), author, el('span', 'ref', `#${a.id}`));
  button.append(head, el('span', 'queue-item-quote', a.exact), el('span', 'queue-item-article', a.article_title));
  button.addEventListener('click', () => select(a.id));
  li.append(button);
  return li;
}

function markCurrent() {
  for (const button of list.querySelectorAll('.queue-item')) {
    const isCurrent = Number(button.dataset.id) === state.currentId;
    button.classList.toggle('current', isCurrent);
    // One tab stop for the whole list: the current item (j/k move within it).
    button.tabIndex = isCurrent ? 0 : -1;
    if (isCurrent) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
}

function renderCurrent() {
  markCurrent();
  const a = currentAnnotation();
  if (!a) return;
  const head = el('div', 'current-head');
  head.append(badge(a), el('span', 'kind-label', page.kinds[a.kind]), el('span', 'author', `by ${a.author}`));
  const time = el('time', 'when', dateFormat.format(new Date(a.created_at)));
  time.dateTime = a.created_at;
  head.append(time, el('span', 'ref', `#${a.id}`), el('span', 'position', `${currentIndex() + 1} of ${state.total}`));

  const title = el('h2', 'current-article');
  title.id = 'current-title';
  const link = el('a', '', a.article_title);
  link.href = articleUrl(a);
  title.append('In ', link);

  const context = el('blockquote', 'context');
  const mark = el('mark', `hl hl-${a.kind}`, a.exact);
  if (a.kind === 'claim') mark.style.setProperty('--hl', (verdicts[a.verdict] || {}).colour || '#888');
  context.append(
    el('span', 'context-edge', (a.prefix.length >= CONTEXT_CHARS ? '…' : '') + a.prefix),
    mark,
    el('span', 'context-edge', a.suffix + (a.suffix.length >= CONTEXT_CHARS ? '…' : '')),
  );
  const parts = [head, title, context];
  if (a.orphaned) parts.push(el('p', 'hint', 'An edit of the article removed these words (orphaned); its author can re-attach it.'));
  if (a.kind === 'correction') {
    const change = el('p', 'change');
    change.append(el('del', '', a.exact), el('span', 'arrow', ' → '),
      a.correction ? el('ins', '', a.correction) : el('em', 'deletion', 'delete'));
    parts.push(change);
  }
  parts.push(a.rationale ? el('p', 'rationale', a.rationale) : el('p', 'rationale muted', 'No rationale given.'));
  if (a.sources.length) {
    const sources = el('ul', 'sources');
    for (const url of a.sources) {
      const li = el('li');
      li.append(sourceLink(url));
      sources.append(li);
    }
    parts.push(sources);
  }
  const comments = a.review_count - a.agree_count - a.disagree_count;
  const reviews = a.review_count
    ? `Reviews so far: ${a.agree_count} agree, ${a.disagree_count} disagree, ${comments} comment${comments === 1 ? '' : 's'}`
    : 'No reviews yet';
  parts.push(el('p', 'current-reviews muted', `${reviews} · ${page.statuses[a.status]}`));
  currentItem.replaceChildren(...parts);
  openLink.href = articleUrl(a);
  form.dataset.kind = a.kind;
  restoreDraft(a);
}

// ---------- Moving through the queue ----------

function select(id, { focusList = false } = {}) {
  saveDraft();
  state.currentId = id;
  error.textContent = '';
  renderCurrent();
  const button = list.querySelector(`.queue-item[data-id="${id}"]`);
  if (button) {
    button.scrollIntoView({ block: 'nearest' });
    if (focusList) button.focus();
  }
  const a = currentAnnotation();
  if (a) announce(`${currentIndex() + 1} of ${state.total}: ${describe(a)}`);
}

function move(step) {
  const index = currentIndex();
  const next = index + step;
  if (index < 0) return;
  if (next < 0 || next >= state.items.length) {
    announce(step > 0 ? 'This is the last one in the queue.' : 'This is the first one in the queue.');
    return;
  }
  // Keep the focus in the list if it was there, so j/k and Tab agree.
  select(state.items[next].id, { focusList: list.contains(document.activeElement) });
}

// ---------- The review form ----------

function setMode(mode, { focus = true } = {}) {
  form.dataset.mode = mode;
  fields.hidden = !mode;
  document.getElementById('comment-label').textContent = mode === 'disagree' ? 'Reason (required)' : 'Comment';
  sendButton.textContent = mode === 'disagree' ? 'Send disagreement' : 'Send comment';
  if (!mode || !focus) return;
  const a = currentAnnotation();
  const first = mode === 'comment' ? form.elements.comment
    : a.kind === 'claim' ? form.elements.verdict : form.elements.correction;
  first.focus();
}

function saveDraft() {
  const a = currentAnnotation();
  if (!a) return;
  const draft = {
    mode: form.dataset.mode,
    verdict: form.elements.verdict.value,
    correction: form.elements.correction.value,
    comment: form.elements.comment.value,
  };
  const touched = draft.mode || draft.verdict || draft.comment || draft.correction !== (a.correction ?? '');
  if (touched) state.drafts.set(a.id, draft);
  else state.drafts.delete(a.id);
}

function restoreDraft(a) {
  const draft = state.drafts.get(a.id) || { mode: '', verdict: '', correction: a.correction ?? '', comment: '' };
  form.elements.verdict.value = draft.verdict;
  form.elements.correction.value = draft.correction;
  form.elements.comment.value = draft.comment;
  setMode(draft.mode, { focus: false });
}

function closeFields() {
  setMode('');
  current.focus();
}

async function send(decision) {
  const a = currentAnnotation();
  if (!a || state.busy) return;
  const body = { decision, content_version: a.content_version };
  if (decision !== 'agree') body.comment = form.elements.comment.value;
  if (decision === 'disagree') {
    if (a.kind === 'claim') body.verdict = form.elements.verdict.value || null;
    else body.correction = form.elements.correction.value;
  }
  const typing = fields.contains(document.activeElement);
  setBusy(true);
  error.textContent = '';
  announce('Sending your review…');
  try {
    await api('POST', `/api/annotations/${a.id}/reviews`, body);
  } catch (err) {
    // What was typed stays in the fields, to correct and send again (or to
    // copy, when the annotation was deleted meanwhile).
    const gone = err.status === 404 ? ' It was deleted meanwhile; press j for the next one.' : '';
    error.textContent = err.message + gone;
    announce(`Not sent: ${err.message}${gone}`);
    setBusy(false);
    return;
  }
  // Sent: what was typed for it is done with.
  state.drafts.delete(a.id);
  restoreDraft(a);
  await reload(decision === 'comment' ? null : a.id);
  setBusy(false);
  if (typing || !document.activeElement || document.activeElement === document.body) {
    // The fields it was typed in are closed: keep the keys working from here.
    (state.items.length ? current : empty).focus();
  }
  if (decision === 'comment') {
    announce(`Comment sent on ${describe(a)}; it stays in your queue until you agree or disagree.`);
    return;
  }
  const next = currentAnnotation();
  const done = decision === 'agree' ? 'Agreed with' : 'Disagreed with';
  announce(`${done} ${describe(a)}. ${state.total ? `${state.total} left; now ${describe(next)}` : 'Nothing left to review.'}`);
}

function setBusy(busy) {
  state.busy = busy;
  for (const button of form.querySelectorAll('button')) button.disabled = busy;
}

function queueQuery() {
  const params = new URLSearchParams();
  for (const facet of FACETS) if (page.filters[facet] !== null) params.set(facet, page.filters[facet]);
  return params.toString();
}

// The server's queue after a review. `leaving` is the annotation just judged:
// the current item becomes the one after it (or before it, at the end).
async function reload(leaving) {
  saveDraft();
  const old = state.items.map((a) => a.id);
  const at = old.indexOf(leaving === null ? state.currentId : leaving);
  const wanted = leaving === null ? [state.currentId] : [...old.slice(at + 1), ...old.slice(0, at).reverse()];
  let fresh;
  try {
    fresh = await api('GET', `/api/queue?${queueQuery()}`);
  } catch (err) {
    error.textContent = `${err.message} Reload the page to see the queue.`;
    return;
  }
  Object.assign(state, { items: fresh.items, counts: fresh.counts, total: fresh.total });
  const ids = new Set(fresh.items.map((a) => a.id));
  state.currentId = wanted.find((id) => ids.has(id)) ?? (fresh.items.length ? fresh.items[0].id : null);
  error.textContent = '';
  render();
  const button = list.querySelector('.queue-item.current');
  if (button) button.scrollIntoView({ block: 'nearest' });
}

form.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-decision]');
  if (!button) return;
  if (button.dataset.decision === 'agree') send('agree');
  else setMode(button.dataset.decision);
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (form.dataset.mode) send(form.dataset.mode);
});
form.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && form.dataset.mode) {
    e.preventDefault();
    send(form.dataset.mode);
  } else if (e.key === 'Escape' && form.dataset.mode) {
    e.preventDefault();
    closeFields();
  }
});
document.getElementById('cancel-review').addEventListener('click', closeFields);
document.getElementById('show-keys').addEventListener('click', () => help.showModal());

// ---------- Keys ----------

function isTyping(target) {
  return target instanceof Element && Boolean(target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}

const KEYS = {
  j: () => move(1),
  ArrowDown: () => move(1),
  k: () => move(-1),
  ArrowUp: () => move(-1),
  a: () => send('agree'),
  d: () => setMode('disagree'),
  c: () => setMode('comment'),
  o: () => { const a = currentAnnotation(); if (a) window.location.assign(articleUrl(a)); },
  Escape: () => { if (form.dataset.mode) closeFields(); },
};

document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
  if (e.key === '?') {
    e.preventDefault();
    if (help.open) help.close();
    else help.showModal();
    return;
  }
  if (help.open || !(e.key in KEYS) || !currentAnnotation()) return;
  if (state.busy && e.key !== 'Escape') return;
  e.preventDefault();
  KEYS[e.key]();
});

render();
document.body.dataset.queueReady = 'true';
