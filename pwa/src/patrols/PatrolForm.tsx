// One patrol: the site's checklist (pass / fail / n-a, a note and photos on
// any item), the meter readings with warnings against the unit's last
// approved ones, general photos, start and end time. "保存草稿" sends the
// changed fields (`patrols.save`); "提交审核" saves and sends `patrols.submit`.
// An approved patrol is locked: shown read-only with the reason.
import { useState } from 'preact/hooks';
import type { NewPhoto } from '../db/local';
import type { User } from '../app/api-types';
import { Link, Screen } from '../app/common';
import { me, memberName, ready } from '../app/data';
import { unitById } from '../app/site';
import { goBack, online } from '../app/state';
import { Choice, Kv, PendingChip, RecordNotices, unitText, when } from '../app/ui';
import { findings } from '../findings/store';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { keyStatusText } from '../keys/labels';
import { keys } from '../keys/store';
import { PhotoPicker, PhotoStrip } from '../photos/Photos';
import { itemLabel, PatrolStatusChip, templateName } from './labels';
import {
  evidenceProblems,
  isEditable,
  isLocked,
  lastReadings,
  parseReading,
  readingWarning,
  RESULTS,
  unanswered,
  valuesOf,
  type ChecklistItem,
  type ItemAnswer,
  type ItemResult,
  type Meter,
  type Patrol,
  type PatrolValues,
  type ReadingWarning,
} from './patrol';
import { patrols, savePatrol, submitPatrol, templates } from './store';

export function PatrolScreen({ user, id }: { user: User; id: string }) {
  const p = patrols.value.find((x) => x.id === id) ?? null;
  const back = () => goBack('patrols');
  if (!p) {
    return (
      <Screen title={t('patrol.title')} back={back}>
        <RecordNotices recordId={id} />
        <p class="muted" data-testid="patrol-missing">
          {ready.value ? t('patrol.missing') : t('common.loading')}
        </p>
      </Screen>
    );
  }
  return (
    <Screen title={unitText(unitById(p.unit_id), p.unit_id) || t('patrol.title')} back={back}>
      <PatrolForm key={p.id} user={user} patrol={p} />
    </Screen>
  );
}

function PatrolForm({ patrol: p }: { user: User; patrol: Patrol }) {
  // The form edits from what was shown when it opened; the status stays live.
  const [before, setBefore] = useState<PatrolValues>(() => valuesOf(p));
  const [v, setV] = useState<PatrolValues>(before);
  const [texts, setTexts] = useState(() => ({
    water: p.water_reading === null ? '' : String(p.water_reading),
    electricity: p.electricity_reading === null ? '' : String(p.electricity_reading),
  }));
  const [added, setAdded] = useState<ReadonlyMap<string, NewPhoto>>(new Map());
  const [processing, setProcessing] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [openNotes, setOpenNotes] = useState<ReadonlySet<string>>(new Set());
  // Evidence problems show next to their items once a submit was tried.
  const [checked, setChecked] = useState(false);

  const template = templates.value.find((t) => t.id === p.template_id) ?? null;
  const locked = isLocked(p);
  const mine = p.author_id === null || p.author_id === me.value;
  // Submitted: waiting for review, no draft actions (a rejection opens it again).
  const readOnly = locked || !mine || p.status === 'submitted';
  const last = lastReadings(patrols.value, p.unit_id, p.id);
  const key = p.key_id ? keys.value.find((k) => k.id === p.key_id) ?? null : null;
  const raised = findings.value.filter((f) => p.finding_ids.includes(f.id));
  const dirty = JSON.stringify(v) !== JSON.stringify(before);
  const problems = evidenceProblems(template, v, texts);
  const readingsInvalid = [...problems.readings.values()].includes('invalid');

  const setItem = (k: ChecklistItem, patch: Partial<ItemAnswer>) =>
    setV((prev) => {
      const cur: ItemAnswer = prev.items[k.key] ?? { result: 'pass', note: '', photos: [], label: k.zh };
      return { ...prev, items: { ...prev.items, [k.key]: { ...cur, label: k.zh, ...patch } } };
    });
  const addPhoto = (np: NewPhoto) => setAdded((m) => new Map(m).set(np.hash, np));

  function setReading(field: Meter, text: string) {
    setTexts((t) => ({ ...t, [field]: text }));
    setV((prev) => ({ ...prev, [`${field}_reading`]: parseReading(text) }));
  }

  function photosToStore(values: PatrolValues): NewPhoto[] {
    const used = new Set([...values.photos, ...Object.values(values.items).flatMap((i) => i.photos)]);
    return [...added.values()].filter((np) => used.has(np.hash));
  }

  async function save(submit: boolean) {
    if (busy || processing > 0 || readOnly) return;
    setError(null);
    setSaved(null);
    let values = v;
    // What was typed is never dropped: a reading that is not a number stops the save.
    if (readingsInvalid) {
      setError(t('patrol.fix_marked'));
      return;
    }
    if (submit) {
      const missing = unanswered(template, values.items);
      if (!template) {
        setError(t('patrol.no_template'));
        return;
      }
      if (missing.length) {
        setError(t('patrol.unanswered', { items: missing.map(itemLabel).join('、') }));
        return;
      }
      if (problems.items.size > 0 || problems.readings.size > 0) {
        setChecked(true);
        setError(t('patrol.fix_marked'));
        return;
      }
      if (values.ended_at === null) values = { ...values, ended_at: new Date().toISOString() };
    }
    setBusy(true);
    try {
      await savePatrol(p.id, values, before, photosToStore(values));
      if (submit) await submitPatrol(p.id);
      setBefore(values);
      setV(values);
      setAdded(new Map());
      setSaved(submit ? t('patrol.waiting_review') : t('patrol.saved_note'));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const wWarn = readingWarning(v.water_reading, last.water);
  const eWarn = readingWarning(v.electricity_reading, last.electricity);
  const canSubmit = isEditable(p) && !readOnly;
  const failed = Object.values(v.items).filter((i) => i.result === 'fail').length;

  return (
    <>
      <section class="card" data-testid="patrol-form" data-id={p.id} data-status={p.status}>
        <div class="row-top">
          <PatrolStatusChip status={p.status} testid="patrol-status" />
          {!online.value && <PendingChip n={p.pending} />}
          {failed > 0 && <span class="chip chip-late">{t('patrol.failed_n', { n: failed })}</span>}
        </div>
        {locked && (
          <p class="notice" role="status" data-testid="patrol-locked">
            {t('patrol.locked', { name: memberName(p.reviewed_by), time: when(p.reviewed_at) })}
          </p>
        )}
        {!locked && !mine && <p class="notice">{t('patrol.not_mine')}</p>}
        {p.status === 'rejected' && (
          <p class="notice notice-warn" role="alert" data-testid="patrol-rejection">
            {t('patrol.rejected', { name: memberName(p.reviewed_by) })}
            <br />
            <strong data-testid="patrol-review-comment">{p.review_comment || t('common.none')}</strong>
          </p>
        )}
        {p.status === 'submitted' && (
          <p class="notice" role="status" data-testid="patrol-submitted">
            {t('patrol.waiting_review')}
            {p.pending > 0 && !online.value && (
              <>
                <br />
                <span data-testid="patrol-unsynced">{t('patrol.unsynced')}</span>
              </>
            )}
          </p>
        )}
        <dl class="kvs">
          <Kv label={t('patrol.started_at')}>{when(v.started_at)}</Kv>
          <Kv label={t('patrol.ended_at')} testid="patrol-ended">
            {v.ended_at ? when(v.ended_at) : ''}
          </Kv>
          {key && (
            <Kv label={t('patrol.key')}>
              <Link to={{ name: 'key', id: key.id }} attrs={{ 'data-testid': 'patrol-key' }}>
                {key.code} · {keyStatusText(key.status)}
              </Link>
            </Kv>
          )}
          {template && <Kv label={t('patrol.checklist')}>{t('patrol.checklist_version', { name: templateName(template), version: template.version })}</Kv>}
        </dl>
        {!readOnly && (
          <div class="actions">
            <button type="button" class="btn btn-light-outline" onClick={() => setV((prev) => ({ ...prev, ended_at: new Date().toISOString() }))} data-testid="patrol-end">
              {v.ended_at ? t('patrol.end_again') : t('patrol.end_now')}
            </button>
          </div>
        )}
      </section>

      <RecordNotices recordId={p.id} />

      <section class="card" aria-labelledby="cl-h">
        <h2 id="cl-h">{t('patrol.checklist')}</h2>
        {!template && <p class="notice">{t('patrol.no_template')}</p>}
        <ol class="checklist">
          {template?.items.map((item) => {
            const a = v.items[item.key];
            const problem = checked && !readOnly ? problems.items.get(item.key) : undefined;
            const showMore = !!a && (a.result === 'fail' || a.note !== '' || a.photos.length > 0 || openNotes.has(item.key));
            return (
              <li key={item.key} class={a?.result === 'fail' ? 'check-item check-fail' : 'check-item'} data-testid="patrol-item" data-key={item.key} data-result={a?.result ?? ''}>
                <p class="check-label" id={`it-${item.key}`}>
                  {itemLabel(item)}
                </p>
                <Choice<ItemResult>
                  label={itemLabel(item)}
                  value={a?.result ?? null}
                  disabled={readOnly}
                  options={RESULTS.map((r) => ({ value: r, label: t(`result.${r}`) }))}
                  onChange={(r) => setItem(item, { result: r })}
                  testids={{ pass: 'item-pass', fail: 'item-fail', na: 'item-na' }}
                />
                {a && !showMore && !readOnly && (
                  <button type="button" class="btn-link" onClick={() => setOpenNotes((s) => new Set(s).add(item.key))} data-testid="item-more">
                    {t('patrol.add_note')}
                  </button>
                )}
                {showMore && (
                  <div class="check-more">
                    <label for={`note-${item.key}`}>{t('patrol.item_note', { item: itemLabel(item) })}</label>
                    <textarea
                      id={`note-${item.key}`}
                      rows={2}
                      maxLength={2000}
                      disabled={readOnly}
                      value={a!.note}
                      onInput={(e) => setItem(item, { note: e.currentTarget.value })}
                      data-testid="item-note"
                    />
                    {a!.result === 'fail' && !readOnly && (
                      <p class="muted hint">{item.photo_required ? t('evidence.needs_note_photo') : t('evidence.needs_note')}</p>
                    )}
                    {readOnly ? (
                      <PhotoStrip hashes={a!.photos} testid="item-photos" />
                    ) : (
                      <div data-testid="item-photos">
                        <PhotoPicker
                          hashes={a!.photos}
                          added={added}
                          onAdd={(np) => {
                            addPhoto(np);
                            setV((prev) => {
                              const cur = prev.items[item.key]!;
                              return cur.photos.includes(np.hash) ? prev : { ...prev, items: { ...prev.items, [item.key]: { ...cur, photos: [...cur.photos, np.hash] } } };
                            });
                          }}
                          onRemove={(h) => setItem(item, { photos: a!.photos.filter((x) => x !== h) })}
                          onBusy={(d) => setProcessing((n) => n + d)}
                          inputTestId="photo-input"
                          galleryTestId="photo-gallery"
                        />
                      </div>
                    )}
                  </div>
                )}
                {problem && (
                  <p class="error" role="alert" data-testid="item-error" data-code={problem}>
                    {t(`evidence.${problem}`)}
                  </p>
                )}
              </li>
            );
          })}
        </ol>
      </section>

      <section class="card form" aria-labelledby="rd-h">
        <h2 id="rd-h">{t('patrol.readings')}</h2>
        {(template?.readings ?? []).map((r) => (
          <Reading
            key={r.meter}
            id={r.meter}
            label={t(`patrol.${r.meter}`)}
            unit={r.unit}
            required={r.required}
            text={texts[r.meter]}
            last={last[r.meter]}
            warn={problems.readings.get(r.meter) === 'invalid' ? 'invalid' : r.meter === 'water' ? wWarn : eWarn}
            missing={checked && problems.readings.get(r.meter) === 'reading_required'}
            disabled={readOnly}
            onInput={(s) => setReading(r.meter, s)}
            testid={`${r.meter}-reading`}
          />
        ))}
      </section>

      <section class="card form" aria-labelledby="gp-h">
        <h2 id="gp-h">{t('patrol.photos')}</h2>
        {readOnly ? (
          <PhotoStrip hashes={v.photos} testid="patrol-photos" />
        ) : (
          <div data-testid="patrol-photos">
            <PhotoPicker
              hashes={v.photos}
              added={added}
              onAdd={(np) => {
                addPhoto(np);
                setV((prev) => (prev.photos.includes(np.hash) ? prev : { ...prev, photos: [...prev.photos, np.hash] }));
              }}
              onRemove={(h) => setV((prev) => ({ ...prev, photos: prev.photos.filter((x) => x !== h) }))}
              onBusy={(d) => setProcessing((n) => n + d)}
              inputTestId="patrol-photo-input"
              galleryTestId="patrol-photo-gallery"
            />
          </div>
        )}
        <label for="p-note">{t('patrol.note')}</label>
        <textarea id="p-note" rows={3} maxLength={2000} disabled={readOnly} value={v.note} onInput={(e) => setV((prev) => ({ ...prev, note: e.currentTarget.value }))} data-testid="patrol-note" />
      </section>

      {raised.length > 0 || p.finding_ids.length > 0 ? (
        <section class="card" aria-labelledby="fr-h">
          <h2 id="fr-h">{t('patrol.findings', { n: p.finding_ids.length })}</h2>
          <ul class="rows">
            {p.finding_ids.map((fid) => {
              const f = raised.find((x) => x.id === fid);
              return (
                <li key={fid}>
                  <Link to={{ name: 'finding', id: fid }} class="row" testid="patrol-finding" dataId={fid}>
                    <span class="row-main">{f?.description ?? t('patrol.finding_not_synced')}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}

      {!readOnly && (
        <section class="card sticky-actions">
          {error && (
            <p class="error" role="alert" data-testid="patrol-error">
              {error}
            </p>
          )}
          {saved && !dirty && (
            <p class="muted hint" role="status" data-testid="patrol-saved">
              {saved}
            </p>
          )}
          <div class="actions">
            <button type="button" class="btn btn-light-outline" disabled={busy || processing > 0} onClick={() => void save(false)} data-testid="patrol-save">
              {t('patrol.save')}
            </button>
            {canSubmit && (
              <button type="button" class="btn btn-primary" disabled={busy || processing > 0} onClick={() => void save(true)} data-testid="patrol-submit">
                {t('patrol.submit')}
              </button>
            )}
          </div>
          {!online.value && <p class="muted hint">{t('patrol.saved_locally')}</p>}
        </section>
      )}
      {locked && (
        <button type="button" class="btn btn-light-outline btn-block" disabled data-testid="patrol-save" aria-describedby="patrol-locked">
          {t('patrol.save')}
        </button>
      )}
    </>
  );
}

function Reading({
  id,
  label,
  unit,
  required,
  text,
  last,
  warn,
  missing,
  disabled,
  onInput,
  testid,
}: {
  id: string;
  label: string;
  unit: string;
  required: boolean;
  text: string;
  last: number | null;
  warn: ReadingWarning | null;
  missing: boolean;
  disabled: boolean;
  onInput: (s: string) => void;
  testid: string;
}) {
  return (
    <div class="reading">
      <label for={`r-${id}`}>
        {label} <span data-testid={`${testid}-unit`}>({unit})</span>
        {required && <span class="muted"> {t('patrol.reading_required_mark')}</span>}
      </label>
      <input
        id={`r-${id}`}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        disabled={disabled}
        value={text}
        onInput={(e) => onInput(e.currentTarget.value)}
        aria-invalid={warn !== null || missing}
        aria-describedby={warn || missing ? `w-${id}` : undefined}
        data-testid={testid}
      />
      <p class="muted hint">{last === null ? t('patrol.no_last_reading') : t('patrol.last_reading', { value: last })}</p>
      {warn && (
        <p id={`w-${id}`} class="warn" role="status" data-testid="reading-warning" data-field={id} data-kind={warn}>
          {t(`reading.${warn}`, { last: last ?? 0 })}
        </p>
      )}
      {missing && !warn && (
        <p id={`w-${id}`} class="error" role="alert" data-testid="reading-warning" data-field={id} data-kind="required">
          {t('evidence.reading_required')}
        </p>
      )}
    </div>
  );
}
