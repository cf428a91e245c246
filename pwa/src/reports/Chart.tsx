// A report's chart as inline SVG: bars (side by side or stacked) or lines, one
// colour per series, a y axis of round ticks and a legend. Hand-written: smaller
// than any chart library, and it scales to the phone's width through its viewBox.
import type { JSX } from 'preact';
import { lang } from '../i18n';
import { axisValue, ticks, type ChartData } from './report';

const COLOURS = ['#0f4c81', '#e07b00', '#2e7d32', '#c62828', '#6a1b9a', '#00838f'];
const W = 340;
const H = 170;
const LEFT = 44;
const BOTTOM = 22;
const TOP = 8;

export function Chart({ data, label, testid }: { data: ChartData; label: string; testid?: string }) {
  const l = lang.value;
  const n = data.labels.length;
  const yTicks = ticks(data.max);
  const top = Math.max(yTicks[yTicks.length - 1] ?? 0, data.max) || 1;
  const bottom = data.min < 0 ? -ticks(-data.min).slice(-1)[0]! : 0;
  const plotW = W - LEFT - 4;
  const plotH = H - TOP - BOTTOM;
  const y = (v: number) => TOP + ((top - v) / (top - bottom)) * plotH;
  const slot = n > 0 ? plotW / n : plotW;
  const xMid = (i: number) => LEFT + slot * i + slot / 2;
  // Every label when they fit, else about eight of them.
  const every = Math.max(1, Math.ceil(n / 8));
  const kind = data.series[0]?.kind ?? 'int';
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={label} data-testid={testid}>
        {[...yTicks, ...(bottom < 0 ? [bottom] : [])].map((v) => (
          <g key={`t${v}`}>
            <line x1={LEFT} x2={W - 4} y1={y(v)} y2={y(v)} class={v === 0 ? 'chart-axis' : 'chart-grid'} />
            <text x={LEFT - 4} y={y(v) + 4} text-anchor="end" class="chart-tick">
              {axisValue(v, kind, l)}
            </text>
          </g>
        ))}
        {data.kind === 'bar' ? <Bars data={data} slot={slot} y={y} /> : <Lines data={data} xMid={xMid} y={y} />}
        {data.labels.map((lab, i) =>
          i % every === 0 ? (
            <text key={`x${i}`} x={xMid(i)} y={H - 6} text-anchor="middle" class="chart-tick">
              {lab}
            </text>
          ) : null,
        )}
      </svg>
      {data.series.length > 1 && (
        <figcaption class="chart-legend">
          {data.series.map((s, k) => (
            <span key={s.key}>
              <i style={{ background: COLOURS[k % COLOURS.length] }} />
              {s.title}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

function Bars({ data, slot, y }: { data: ChartData; slot: number; y: (v: number) => number }) {
  const gap = Math.min(4, slot * 0.2);
  const side = data.stacked ? 1 : data.series.length;
  const bw = Math.max(1, (slot - gap) / side);
  const out: JSX.Element[] = [];
  for (let i = 0; i < data.labels.length; i++) {
    let pos = 0;
    let neg = 0;
    data.series.forEach((s, k) => {
      const v = s.values[i];
      if (v === null || v === undefined || v === 0) return;
      let from: number;
      let to: number;
      if (data.stacked) {
        from = v > 0 ? pos : neg;
        to = from + v;
        if (v > 0) pos = to;
        else neg = to;
      } else {
        from = 0;
        to = v;
      }
      const x = LEFT + slot * i + gap / 2 + (data.stacked ? 0 : bw * k);
      out.push(
        <rect key={`${i}-${s.key}`} x={x} width={bw} y={Math.min(y(from), y(to))} height={Math.abs(y(from) - y(to))} fill={COLOURS[k % COLOURS.length]} data-value={v}>
          <title>{`${data.labels[i]} ${s.title}: ${axisValue(v, s.kind, lang.value)}`}</title>
        </rect>,
      );
    });
  }
  return <g>{out}</g>;
}

function Lines({ data, xMid, y }: { data: ChartData; xMid: (i: number) => number; y: (v: number) => number }) {
  return (
    <g>
      {data.series.map((s, k) => {
        // A missing point breaks the line rather than dropping it to zero.
        let d = '';
        let pen = false;
        s.values.forEach((v, i) => {
          if (v === null) {
            pen = false;
            return;
          }
          d += `${pen ? 'L' : 'M'}${xMid(i).toFixed(1)} ${y(v).toFixed(1)}`;
          pen = true;
        });
        const colour = COLOURS[k % COLOURS.length];
        // A dot per point: a single month or day is still seen.
        return (
          <g key={s.key}>
            <path d={d} fill="none" stroke={colour} stroke-width="2" />
            {s.values.map((v, i) => (v === null ? null : <circle key={i} cx={xMid(i)} cy={y(v)} r="2.5" fill={colour} />))}
          </g>
        );
      })}
    </g>
  );
}
