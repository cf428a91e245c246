// One vacant unit before a patrol: what is known about it (last approved
// patrol and readings, its keys), the open patrol to resume, and "start".
import { useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { Link, Screen } from '../app/common';
import { me, memberName, ready } from '../app/data';
import { unitById } from '../app/site';
import { goBack, leave, navigate, route } from '../app/state';
import { Kv, when } from '../app/ui';
import { unitLabel } from '../app/units';
import { lang, t } from '../i18n';
import { errorText } from '../i18n/errors';
import { keyStatusText } from '../keys/labels';
import { keys } from '../keys/store';
import { PatrolStatusChip, templateName } from './labels';
import { currentTemplate, lastApproved, METER_UNITS, lastReadings, openPatrolOf } from './patrol';
import { patrols, startPatrol, templates } from './store';

export function PatrolUnit({ user, unitId, keyId }: { user: User; unitId: number; keyId?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const unit = unitById(unitId);
  const back = () => goBack('patrols');
  const all = patrols.value;
  const unitKeys = keys.value.filter((k) => k.unit_id === unitId);
  // Site: from the cached unit, else from a key or a patrol of the unit, else my only site.
  const siteId =
    unit?.site_id ?? unitKeys[0]?.site_id ?? all.find((p) => p.unit_id === unitId)?.site_id ?? (user.sites.length === 1 ? Number(user.sites[0]!.id) : null);
  const template = currentTemplate(templates.value, siteId);
  const open = openPatrolOf(all, unitId, me.value);
  const last = lastApproved(all).get(unitId) ?? null;
  const readings = lastReadings(all, unitId);
  // The key to record with the patrol: the one scanned, else one of the unit's keys out to me.
  const myKey = (keyId ? unitKeys.find((k) => k.id === keyId) : null) ?? unitKeys.find((k) => k.status === 'out' && k.holder_id === me.value) ?? null;
  const title = unit ? unitLabel(unit) : t('unit.number_only', { id: unitId });

  async function start() {
    if (busy || siteId === null || !template) return;
    setBusy(true);
    setError(null);
    const here = route.value;
    try {
      const id = await startPatrol(siteId, unitId, template.id, myKey?.id ?? null);
      leave(here, { name: 'patrol', id });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Screen title={title} back={back}>
      <section class="card" data-testid="patrol-unit" data-unit-id={unitId}>
        <h2>{title}</h2>
        <dl class="kvs">
          <Kv label={t('unit.vacant_since')}>{unit?.vacant_since ?? ''}</Kv>
          <Kv label={t('unit.interval')}>{unit ? t('patrols.every', { n: unit.patrol_interval_days }) : ''}</Kv>
          <Kv label={t('unit.last_patrol')}>{last ? `${when(last.ended_at ?? last.submitted_at)} · ${memberName(last.author_id)}` : t('patrols.never')}</Kv>
          <Kv label={t('patrol.water')}>{readings.water === null ? '' : `${readings.water} ${METER_UNITS.water}`}</Kv>
          <Kv label={t('patrol.electricity')}>{readings.electricity === null ? '' : `${readings.electricity} ${METER_UNITS.electricity}`}</Kv>
        </dl>
      </section>

      <section class="card" aria-labelledby="ukeys-h">
        <h2 id="ukeys-h">{t('unit.keys')}</h2>
        {unitKeys.length === 0 ? (
          <p class="muted">{t('unit.no_keys')}</p>
        ) : (
          <ul class="rows">
            {unitKeys.map((k) => (
              <li key={k.id}>
                <Link to={{ name: 'key', id: k.id }} class="row" attrs={{ 'data-testid': 'unit-key', 'data-id': k.id }}>
                  <span class="row-top">
                    <span class="row-main">{k.code}</span>
                    <span class={`chip kstatus-${k.status}`}>{keyStatusText(k.status)}</span>
                  </span>
                  {k.holder_id !== null && <span class="row-sub">{t('key.holder_is', { name: memberName(k.holder_id) })}</span>}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="card">
        {open ? (
          <>
            <p>
              {t('unit.open_patrol', { time: when(open.started_at ?? open.created_at) })} <PatrolStatusChip status={open.status} />
            </p>
            <div class="actions">
              <button type="button" class="btn btn-primary" onClick={() => navigate({ name: 'patrol', id: open.id })} data-testid="patrol-resume">
                {t('unit.resume')}
              </button>
            </div>
          </>
        ) : (
          <>
            {myKey && <p class="muted hint">{t('unit.with_key', { code: myKey.code })}</p>}
            {!template && <p class="notice">{ready.value ? t('unit.no_template') : t('common.loading')}</p>}
            {template && (
              <p class="muted hint">
                {t('unit.checklist', { name: templateName(template), version: template.version, n: template.items.length })}
              </p>
            )}
            {error && (
              <p class="error" role="alert">
                {error}
              </p>
            )}
            <button
              type="button"
              class="btn btn-primary btn-block"
              disabled={busy || !template || siteId === null}
              onClick={() => void start()}
              data-testid="patrol-start"
              lang={lang.value}
            >
              {t('unit.start')}
            </button>
          </>
        )}
      </section>
    </Screen>
  );
}
