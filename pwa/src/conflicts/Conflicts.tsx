// Conflict notices: each names the record, the field, the other person, both values and
// both times, from the viewer's side; the replaced author may keep theirs or the other's.
import './texts';
import { lang, t } from '../i18n';
import { me } from '../app/data';
import { dateTime } from '../app/format';
import { fieldName, fieldValue } from './fields';
import { isUnread, noticeOf, sideOf, timesOf, type Conflict, type Words } from './conflict';
import { keepMine, keepTheirs, recordName } from './store';

function wordsOf(c: Conflict): Words {
  const l = lang.value;
  return {
    record: recordName(c),
    field: fieldName(c.collection, c.field),
    value: (v) => fieldValue(c.collection, c.field, v),
    time: (iso) => dateTime(iso, l),
    you: t('conflict.you'),
    someone: t('conflict.someone'),
  };
}

export function ConflictItem({ c }: { c: Conflict }) {
  const w = wordsOf(c);
  const who = me.value;
  const side = sideOf(c, who);
  const unread = isUnread(c, who);
  const { key, params } = noticeOf(c, who, w);
  const settled = c.resolved_by !== '';
  return (
    <li
      class={unread ? 'notice-item notice-merged' : 'notice-item'}
      data-testid="conflict"
      data-id={c.id}
      data-side={side}
      data-unread={unread ? 'true' : 'false'}
      data-field={c.field}
    >
      <p class="notice-title" data-testid="conflict-text">
        {t(key, params)}
      </p>
      <p class="muted" data-testid="conflict-times">
        {t('conflict.times', timesOf(c, who, w))}
      </p>
      {settled && (
        <p class="muted" data-testid="conflict-resolved">
          {t('conflict.resolved', {
            who: c.resolved_by === String(who) ? t('conflict.you') : c.resolved_by === c.kept_by ? c.kept_by_name : c.discarded_by_name,
            value: w.value(c.resolved_value),
          })}
        </p>
      )}
      {unread && (
        <div class="notice-actions">
          {side === 'replaced' && !settled && (
            <button type="button" class="btn btn-primary" onClick={() => void keepMine(c)} data-testid="conflict-keep-mine">
              {t('conflict.keep_mine')}
            </button>
          )}
          <button type="button" class="btn btn-light-outline" onClick={() => void keepTheirs(c)} data-testid="conflict-keep-theirs">
            {side === 'replaced' && !settled ? t('conflict.keep_theirs') : t('conflict.read')}
          </button>
        </div>
      )}
    </li>
  );
}

export function ConflictList({ list, testid }: { list: Conflict[]; testid?: string }) {
  if (list.length === 0) return <p class="muted">{t('conflict.none')}</p>;
  return (
    <ul class="notices" data-testid={testid}>
      {list.map((c) => (
        <ConflictItem key={c.id} c={c} />
      ))}
    </ul>
  );
}
