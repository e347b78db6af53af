/** A person's names and contact details: to add a person, or to change their e-mail, mobile and address. */
import { useState } from 'preact/hooks';
import { ApiError, type Schemas } from '../api/client';
import { t } from '../texts';
import { ErrorMessage, Field } from './ui';

type Contact = Pick<Schemas['CreatePerson'], 'email' | 'mobile' | 'postalAddress'>;

export function PersonForm(props: {
  person?: Schemas['PersonDetail'];
  submitLabel: string;
  onCancel: () => void;
  onSubmit: (body: Schemas['CreatePerson']) => Promise<void>;
}) {
  const editing = !!props.person;
  const address = props.person?.postalAddress;
  const [v, setV] = useState({
    firstName: props.person?.firstName ?? '',
    lastName: props.person?.lastName ?? '',
    email: props.person?.email ?? '',
    mobile: props.person?.mobile ?? '',
    line1: address?.line1 ?? '',
    line2: address?.line2 ?? '',
    postalCode: address?.postalCode ?? '',
    city: address?.city ?? '',
    country: address?.country ?? 'France',
  });
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const bind = (name: keyof typeof v) => ({
    value: v[name],
    onInput: (e: Event) => setV({ ...v, [name]: (e.target as HTMLInputElement).value }),
    problem: error?.fieldMessage(name),
  });

  const submit = async (event: Event) => {
    event.preventDefault();
    const anyAddress = [v.line1, v.line2, v.postalCode, v.city].some((x) => x.trim());
    // Emptied fields are cleared (null), as the API reads them.
    const contact: Contact = {
      email: v.email.trim() || null,
      mobile: v.mobile.trim() || null,
      postalAddress: anyAddress
        ? {
            line1: v.line1.trim(),
            line2: v.line2.trim() || null,
            postalCode: v.postalCode.trim(),
            city: v.city.trim(),
            country: v.country.trim() || 'France',
          }
        : null,
    };
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit({ firstName: v.firstName.trim(), lastName: v.lastName.trim(), ...contact });
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(t.errors.generic, 0, 'client'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate class="person-form">
      {!editing && (
        <div class="row">
          <Field label={t.person.lastName} autoComplete="off" required {...bind('lastName')} />
          <Field label={t.person.firstName} autoComplete="off" required {...bind('firstName')} />
        </div>
      )}
      <Field label={t.person.email} type="email" autoComplete="off" {...bind('email')} />
      <Field label={t.person.mobile} type="tel" autoComplete="off" hint={t.person.mobileHint} {...bind('mobile')} />
      <fieldset>
        <legend>{t.person.address}</legend>
        <Field label={t.person.line1} autoComplete="off" {...bind('line1')} />
        <Field label={t.person.line2} autoComplete="off" {...bind('line2')} />
        <div class="row">
          <Field label={t.person.postalCode} autoComplete="off" {...bind('postalCode')} />
          <Field label={t.person.city} autoComplete="off" {...bind('city')} />
        </div>
        <Field label={t.person.country} autoComplete="off" {...bind('country')} />
      </fieldset>
      <ErrorMessage error={error} />
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          {t.common.cancel}
        </button>
        <button type="submit" class="primary" disabled={busy}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}
