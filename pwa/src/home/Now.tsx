// The home screen's "needs you now": patrols sent back with the supervisor's
// comment, keys I hold and when they are due (overdue marked), my findings not
// yet closed; each a link. Loaded after the home screen's first paint (its own
// chunk), from the local store only, so it works offline.
import type { ComponentChildren } from 'preact';
import './texts';
import '../keys/texts';
import '../app/ui.css'; // its chips (overdue), as the feature screens have them
import { Link } from '../app/common';
import { me, memberName, ready } from '../app/data';
import { clock, unitById } from '../app/site';
import { PendingChip, unitText, when } from '../app/ui';
import { t } from '../i18n';
import { keyOverdue, keys } from '../keys/store';
import { patrols } from '../patrols/store';
import { heldKeys, keyLate, returnedPatrols } from './now';

/** `findings`: my findings not yet closed, and their rows (the home screen has them in its first load). */
export default function Now({ findings }: { findings: { n: number; rows: ComponentChildren } }) {
  const who = me.value;
  const now = clock.value;
  const returned = returnedPatrols(patrols.value, who);
  const held = heldKeys(keys.value, who, (k) => keyLate(k, now, keyOverdue(k, now)));
  const nothing = returned.length === 0 && held.length === 0 && findings.n === 0;
  return (
    <section class="card" data-testid="home-now" aria-labelledby="now-h">
      <h2 id="now-h">{t('now.title')}</h2>
      {nothing && <p class="muted">{ready.value ? t('now.nothing') : t('common.loading')}</p>}
      {returned.length > 0 && (
        <>
          <h3>{t('now.returned')}</h3>
          <ul class="rows" data-testid="now-returned">
            {returned.map((p) => (
              <li key={p.id}>
                <Link to={{ name: 'patrol', id: p.id }} class="row" attrs={{ 'data-testid': 'now-patrol', 'data-id': p.id }}>
                  <span class="row-top">
                    <span class="row-main">{unitText(unitById(p.unit_id), p.unit_id)}</span>
                    <PendingChip n={p.pending} />
                  </span>
                  {p.review_comment && <span class="row-sub" data-testid="now-comment">{t('now.returned_comment', { comment: p.review_comment })}</span>}
                  {p.reviewed_at && <span class="row-sub muted">{t('now.returned_by', { name: memberName(p.reviewed_by), time: when(p.reviewed_at) })}</span>}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
      {held.length > 0 && (
        <>
          <h3>{t('now.keys')}</h3>
          <ul class="rows" data-testid="now-keys">
            {held.map(({ key: k, overdue }) => (
              <li key={k.id}>
                <Link to={{ name: 'key', id: k.id }} class="row" attrs={{ 'data-testid': 'now-key', 'data-id': k.id, 'data-overdue': String(overdue) }}>
                  <span class="row-top">
                    <span class="row-main">{k.label || unitText(unitById(k.unit_id), k.unit_id)}</span>
                    {overdue && <span class="chip chip-late">{t('key.overdue')}</span>}
                    <PendingChip n={k.pending} />
                  </span>
                  <span class={overdue ? 'row-sub late' : 'row-sub'} data-testid="now-key-due">
                    {k.expected_return ? t('now.key_due', { time: when(k.expected_return) }) : t('now.key_out_since', { time: when(k.out_since) })}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
      {findings.n > 0 && (
        <>
          <h3>{t('now.findings')}</h3>
          <div data-testid="now-findings">{findings.rows}</div>
        </>
      )}
    </section>
  );
}
