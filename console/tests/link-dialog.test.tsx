import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { createApi, type Schemas } from '../src/api/client';
import { LinkDialog } from '../src/components/links';
import { SessionContext } from '../src/session';

const documents: Schemas['Document'][] = [
  { documentId: 'd1', fileName: 'mandat.pdf', contentType: 'application/pdf', size: 10, status: 'available' },
];

/** The dialog against an API that answers what `answer` says and records each request. */
function open(answer: (body: Record<string, unknown>) => Response) {
  const requests: { url: string; body: Record<string, unknown>; key: string | null }[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = (await request.json()) as Record<string, unknown>;
    requests.push({ url: request.url, body, key: request.headers.get('Idempotency-Key') });
    return answer(body);
  };
  const api = createApi('http://api.test/v1', fetchImpl as typeof fetch);
  const session = { api, identity: { email: 'o@x.fr', userId: 'u' }, config: {} as never, signOut: () => {} };
  render(
    <SessionContext.Provider value={session}>
      <LinkDialog open onClose={() => {}} vaultId="v1" dossierId="s1" documents={documents} onCreated={() => {}} />
    </SessionContext.Provider>,
  );
  return requests;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const created = (code: string): Schemas['LinkCreated'] => ({
  linkId: 'l1',
  url: 'http://api.test/v1/share/tok',
  code,
  status: 'active',
  expiresAt: '2026-12-08T10:00:00Z',
  recipientEmail: 'agent@prefecture.fr',
  email: { status: 'sent' },
  documents: [{ documentId: 'd1', fileName: 'mandat.pdf' }],
});

describe('the download link dialog', () => {
  it('refuses a code that is not 6 digits before asking the API', async () => {
    const requests = open(() => json(201, created('000000')));
    const input = screen.getByLabelText('Code à 6 chiffres');
    fireEvent.input(input, { target: { value: '12a4' } });
    fireEvent.click(screen.getByRole('button', { name: 'Créer le lien' }));
    expect(await screen.findByText('Le code ne contient que des chiffres.')).toBeTruthy();
    fireEvent.input(input, { target: { value: '1234' } });
    expect(await screen.findByText('Le code a exactement 6 chiffres.')).toBeTruthy();
    expect(requests).toHaveLength(0);
  });

  it('sends a generated code and the e-mail, then shows the link, the code once and where the e-mail went', async () => {
    const requests = open((body) => json(201, created(String(body.code))));
    fireEvent.click(screen.getByRole('button', { name: 'Générer un code' }));
    const generated = (screen.getByLabelText('Code à 6 chiffres') as HTMLInputElement).value;
    expect(generated).toMatch(/^[0-9]{6}$/);
    fireEvent.input(screen.getByLabelText('E-mail du destinataire (facultatif)'), {
      target: { value: ' agent@prefecture.fr ' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Créer le lien' }));
    await screen.findByText('Le lien est créé.');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('http://api.test/v1/vaults/v1/dossiers/s1/links');
    expect(requests[0]!.body).toMatchObject({
      documentIds: ['d1'],
      code: generated,
      recipientEmail: 'agent@prefecture.fr',
    });
    expect(requests[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(screen.getByTestId('link-code').textContent).toBe(generated);
    expect(screen.getByText(/Ce code ne sera plus jamais affiché/)).toBeTruthy();
    expect(screen.getByText('Le lien a été envoyé par e-mail à agent@prefecture.fr.')).toBeTruthy();
    expect((screen.getByLabelText('Lien') as HTMLInputElement).value).toBe('http://api.test/v1/share/tok');
  });

  it("shows the API's refusal in its words, next to the field it names", async () => {
    open(() =>
      json(422, {
        error: 'validation_error',
        message: 'La requête est invalide.',
        fields: [{ field: 'recipientEmail', type: 'value_error', message: 'Adresse e-mail invalide.' }],
      }),
    );
    fireEvent.input(screen.getByLabelText('Code à 6 chiffres'), { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Créer le lien' }));
    const problem = await screen.findByText('Adresse e-mail invalide.');
    const email = screen.getByLabelText('E-mail du destinataire (facultatif)');
    expect(email.getAttribute('aria-describedby')).toContain(problem.id);
    expect(email.getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(screen.queryByText('422')).toBeNull());
  });
});
