// Comparing the editor's fields with the annotation someone else saved
// meanwhile, field by field, for the conflict view.

const FIELDS = [
  ['kind', 'Kind'],
  ['verdict', 'Verdict'],
  ['correction_type', 'Error type'],
  ['correction', 'Replace with'],
  ['rationale', 'Rationale'],
  ['sources', 'Sources'],
];

function shown(value) {
  if (Array.isArray(value)) return value.join('\n');
  return value === null || value === undefined ? '' : String(value);
}

/**
 * The fields where `mine` (the editor's payload) and `theirs` (an annotation
 * in the API shape) differ: [{field, label, mine, theirs}], values as text
 * (sources one per line), named through `labelOf(field, value)` (a verdict's
 * or error type's label, say). Empty when they say the same.
 */
export function differences(mine, theirs, labelOf = (field, value) => value) {
  const rows = [];
  for (const [field, label] of FIELDS) {
    const a = shown(mine[field]);
    const b = shown(theirs[field]);
    if (a.trim() !== b.trim()) {
      rows.push({ field, label, mine: a && labelOf(field, a), theirs: b && labelOf(field, b) });
    }
  }
  return rows;
}
