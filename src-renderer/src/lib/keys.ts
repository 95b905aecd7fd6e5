/** True while the user types in a field: single-letter shortcuts stay quiet then. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  return t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
}

/** A plain key press meant as a shortcut: no modifier, not typing, no dialog open. */
export function isShortcut(e: KeyboardEvent): boolean {
  return !e.ctrlKey && !e.metaKey && !e.altKey && !e.defaultPrevented && !isTyping(e) && document.querySelector('dialog[open]') === null;
}

export const SHORTCUTS: Array<{ screen: string; keys: Array<[string, string]> }> = [
  {
    screen: 'Everywhere',
    keys: [
      ['1', 'Library'],
      ['2', 'People'],
      ['3', 'Photos'],
      ['4', 'Review'],
      ['5', 'Recognition'],
      ['6', 'Duplicates'],
      ['Ctrl+Z', 'Undo the last action'],
      ['?', 'This list'],
    ],
  },
  { screen: 'People', keys: [['/', 'Search by name']] },
  { screen: 'Photos', keys: [['/', 'Add a person to the filter']] },
  {
    screen: 'Duplicates',
    keys: [
      ['↑ ↓', 'Previous or next group'],
      ['← →', 'Previous or next copy'],
      ['K', 'Keep the copy shown instead'],
      ['T', 'Move the copies to the trash (asks first)'],
      ['N', 'Not duplicates'],
    ],
  },
  {
    screen: 'Person',
    keys: [
      ['Click', 'Open the photo of a face'],
      ['Ctrl/Cmd+click, box', 'Select a face'],
      ['Shift+click', 'Select a range of faces'],
      ['A', 'Select all faces'],
      ['Esc', 'Clear the selection'],
      ['X, Delete', 'Not this person'],
      ['F', 'Not a face'],
      ['C', 'Use as cover (one face)'],
      ['R', 'Rename'],
      ['M', 'Merge with another person'],
      ['H', 'Hide or show'],
    ],
  },
  {
    screen: 'Review',
    keys: [
      ['Y', 'Same person'],
      ['N', 'Different people'],
      ['S', 'Skip'],
      ['U', 'Undo'],
    ],
  },
  { screen: 'Photo', keys: [['Esc', 'Back']] },
];
