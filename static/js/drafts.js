// Unsaved editor work kept in the browser (localStorage), one slot per article
// and user, so a reload, a crash or a closed tab does not lose what was typed.

/**
 * The draft slot of one article for one user: save(draft) -> true if stored
 * (false when the browser refuses: private mode, quota), load() -> the draft
 * object or null, clear(). A draft is plain JSON: {article_id, revision,
 * span: {start, end, exact} (code points), fields: {kind, verdict, ...},
 * client_uuid, editing_id, version, saved_at (ISO time)}.
 */
export function draftStore(articleId, userId) {
  const key = `annotator:draft:article-${articleId}:user-${userId}`;
  return {
    save(draft) {
      try {
        localStorage.setItem(key, JSON.stringify({ ...draft, article_id: articleId, saved_at: new Date().toISOString() }));
        return true;
      } catch (e) {
        return false;
      }
    },
    load() {
      try {
        const draft = JSON.parse(localStorage.getItem(key));
        return draft && draft.article_id === articleId && draft.span && draft.fields ? draft : null;
      } catch (e) {
        return null; // unreadable: better no draft than a broken page
      }
    },
    clear() {
      try { localStorage.removeItem(key); } catch (e) { /* nothing stored, then */ }
    },
  };
}

/** A random UUID (v4) string naming a new annotation before the server has it.
 * crypto.randomUUID exists only on https or localhost; an intranet served over
 * plain http still has getRandomValues. */
export function newClientUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
