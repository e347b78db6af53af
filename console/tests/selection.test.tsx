import { fireEvent, render, screen } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { describe, expect, it } from 'vitest';
import type { Schemas } from '../src/api/client';
import { DocumentsTable } from '../src/components/documents';
import { headerState, keepOnly, toggle, toggleAll } from '../src/rules/selection';

const doc = (documentId: string, status: Schemas['Document']['status'] = 'available'): Schemas['Document'] => ({
  documentId,
  fileName: `${documentId}.pdf`,
  contentType: 'application/pdf',
  size: 2048,
  status,
});

describe('selection rules', () => {
  it('the header is none, some or all of the rows', () => {
    expect(headerState(['a', 'b'], new Set())).toBe('none');
    expect(headerState(['a', 'b'], new Set(['a']))).toBe('some');
    expect(headerState(['a', 'b'], new Set(['b', 'a']))).toBe('all');
    expect(headerState([], new Set())).toBe('none');
  });
  it('the header selects every row, then none; rows elsewhere are kept', () => {
    const all = toggleAll(['a', 'b'], new Set(['a', 'z']));
    expect([...all].sort()).toEqual(['a', 'b', 'z']);
    expect([...toggleAll(['a', 'b'], all)]).toEqual(['z']);
  });
  it('a row toggles alone, and rows that left the table drop out', () => {
    expect([...toggle(new Set(['a']), 'b')].sort()).toEqual(['a', 'b']);
    expect([...toggle(new Set(['a']), 'a')]).toEqual([]);
    expect([...keepOnly(new Set(['a', 'gone']), ['a', 'b'])]).toEqual(['a']);
  });
});

function Table({ documents }: { documents: Schemas['Document'][] }) {
  const [selected, setSelected] = useState(new Set<string>());
  return (
    <>
      <DocumentsTable documents={documents} selected={selected} onSelect={setSelected} />
      <output data-testid="chosen">{[...selected].sort().join(',')}</output>
    </>
  );
}

describe('the documents table', () => {
  it('the header checkbox selects all available documents, shows "some", and clears', () => {
    render(<Table documents={[doc('a'), doc('b'), doc('up', 'pending')]} />);
    const header = screen.getByLabelText('Sélectionner tous les documents') as HTMLInputElement;
    fireEvent.click(header);
    expect(screen.getByTestId('chosen').textContent).toBe('a,b');
    expect(header.checked).toBe(true);
    fireEvent.click(screen.getByLabelText('Sélectionner a.pdf'));
    expect(screen.getByTestId('chosen').textContent).toBe('b');
    expect(header.checked).toBe(false);
    expect(header.indeterminate).toBe(true);
    fireEvent.click(header);
    expect(screen.getByTestId('chosen').textContent).toBe('a,b');
    fireEvent.click(header);
    expect(screen.getByTestId('chosen').textContent).toBe('');
    // A document still being sent cannot be chosen for a link.
    expect((screen.getByLabelText('Sélectionner up.pdf') as HTMLInputElement).disabled).toBe(true);
  });
});
