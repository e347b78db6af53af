import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError } from '../src/auth';
import { Security } from '../src/screens/Security';
import { SessionContext } from '../src/session';
import { t } from '../src/texts';

const auth = vi.hoisted(() => ({
  totpEnabled: vi.fn<() => Promise<boolean>>(),
  startTotpSetup: vi.fn<(app: string, account: string) => Promise<{ secret: string; uri: string }>>(),
  finishTotpSetup: vi.fn<(code: string) => Promise<void>>(),
  disableTotp: vi.fn<() => Promise<void>>(),
}));
vi.mock('../src/auth', async (actual) => ({ ...(await actual<typeof import('../src/auth')>()), ...auth }));

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function open() {
  const session = {
    api: {} as never,
    identity: { email: 'o@x.fr', userId: 'u' },
    config: {} as never,
    signOut: () => {},
  };
  render(
    <SessionContext.Provider value={session}>
      <Security />
    </SessionContext.Provider>,
  );
}

describe('the account security screen', () => {
  beforeEach(() => {
    vi.resetAllMocks();
    auth.startTotpSetup.mockResolvedValue({
      secret: SECRET,
      uri: `otpauth://totp/vault-share:o@x.fr?secret=${SECRET}`,
    });
  });

  it('sets up the app: QR code, grouped secret, a wrong code refused beside the field, then on', async () => {
    auth.totpEnabled.mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    open();
    await screen.findByText(t.security.off);
    fireEvent.click(screen.getByRole('button', { name: t.security.enable }));
    expect(await screen.findByRole('img', { name: t.security.qr })).toBeTruthy();
    expect(auth.startTotpSetup).toHaveBeenCalledWith('vault-share', 'o@x.fr');
    expect((screen.getByLabelText(t.security.secret) as HTMLInputElement).value).toBe(
      'JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP',
    );
    const field = screen.getByLabelText(t.security.code);

    // The 6-digit rule first, without asking Cognito.
    fireEvent.input(field, { target: { value: '12345' } });
    fireEvent.click(screen.getByRole('button', { name: t.security.verify }));
    expect(await screen.findByText(t.security.codeProblems.length)).toBeTruthy();
    expect(auth.finishTotpSetup).not.toHaveBeenCalled();

    // Cognito's refusal, beside the field, which keeps the focus.
    auth.finishTotpSetup.mockRejectedValueOnce(new AuthError(t.auth.wrongTotp, true));
    fireEvent.input(field, { target: { value: '123 456' } });
    fireEvent.click(screen.getByRole('button', { name: t.security.verify }));
    await waitFor(() => expect(field.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(field.getAttribute('aria-describedby')!)!.textContent).toBe(t.auth.wrongTotp);
    expect(auth.finishTotpSetup).toHaveBeenLastCalledWith('123456');
    await waitFor(() => expect(document.activeElement).toBe(field));
    expect(screen.queryByRole('alert')).toBeNull();

    fireEvent.input(field, { target: { value: '654321' } });
    fireEvent.click(screen.getByRole('button', { name: t.security.verify }));
    expect((await screen.findByRole('status')).textContent).toBe(t.security.enabled);
    expect(screen.getByText(t.security.on)).toBeTruthy();
    expect(screen.queryByLabelText(t.security.secret)).toBeNull();
  });

  it('turns the app off only once confirmed', async () => {
    auth.totpEnabled.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    auth.disableTotp.mockResolvedValue();
    const confirm = vi.fn().mockReturnValueOnce(false).mockReturnValueOnce(true);
    window.confirm = confirm; // happy-dom has none
    open();
    fireEvent.click(await screen.findByRole('button', { name: t.security.disable }));
    expect(confirm).toHaveBeenCalledWith(t.security.confirmDisable);
    expect(auth.disableTotp).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: t.security.disable }));
    expect((await screen.findByRole('status')).textContent).toBe(t.security.disabled);
    expect(auth.disableTotp).toHaveBeenCalledOnce();
    expect(screen.getByText(t.security.off)).toBeTruthy();
  });

  it('shows any other refusal as an alert, not as the code’s', async () => {
    auth.totpEnabled.mockResolvedValue(false);
    auth.startTotpSetup.mockRejectedValueOnce(new AuthError(t.auth.unreachable));
    open();
    fireEvent.click(await screen.findByRole('button', { name: t.security.enable }));
    expect((await screen.findByRole('alert')).textContent).toBe(t.auth.unreachable);
  });
});
