// Renders one visualization of pinboarddata: a table, a chart or a headline.

import Chart from 'chart.js/auto';

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const compactFormat = new Intl.NumberFormat('en-US', {
  notation: 'compact',
  maximumFractionDigits: 2,
});
const PALETTE = ['#2458d6', '#f08c00', '#2f9e44', '#c2255c', '#7048e8', '#1098ad', '#e8590c', '#5c940d'];

// Date buckets come back as epoch seconds; the column name says which bucket it is
// (`Month(Order Date)`).
const BUCKET = /^(day|week|month|quarter|year)\s*\(/i;

function dateLabel(column, seconds) {
  const date = new Date(seconds * 1000);
  const bucket = (column.match(BUCKET)?.[1] || 'day').toLowerCase();
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const year = date.getUTCFullYear();
  switch (bucket) {
    case 'year': return String(year);
    case 'quarter': return `Q${Math.floor(date.getUTCMonth() / 3) + 1} ${year}`;
    case 'month': return `${month} ${year}`;
    default: return date.toISOString().slice(0, 10);
  }
}

function isDateColumn(column, values) {
  return BUCKET.test(column) && values.every((v) => v === null || typeof v === 'number');
}

function formatCell(column, value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    return isDateColumn(column, [value]) ? dateLabel(column, value) : numberFormat.format(value);
  }
  return String(value);
}

/** A headline: the first value, big. */
function renderHeadline(body, answer) {
  const value = answer.data[0]?.[0];
  const big = document.createElement('div');
  big.className = 'headline';
  big.textContent = typeof value === 'number' ? compactFormat.format(value) : formatCell('', value);
  big.title = typeof value === 'number' ? numberFormat.format(value) : '';
  const caption = document.createElement('div');
  caption.className = 'caption';
  caption.textContent = answer.columnNames[0] || '';
  body.append(big, caption);
}

/** A table: every row of the page, with the total row count. */
function renderTable(body, answer) {
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const name of answer.columnNames) {
    const th = document.createElement('th');
    th.textContent = name;
    head.append(th);
  }
  const rows = table.createTBody();
  for (const row of answer.data) {
    const tr = rows.insertRow();
    row.forEach((value, i) => {
      const td = tr.insertCell();
      td.textContent = formatCell(answer.columnNames[i], value);
      if (typeof value === 'number') td.className = 'num';
    });
  }
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.append(table);
  body.append(wrap);
  if (answer.totalRowCount > answer.rowCount) {
    const note = document.createElement('p');
    note.className = 'status';
    note.textContent = `${answer.rowCount} of ${answer.totalRowCount} rows`;
    body.append(note);
  }
}

/**
 * A chart: the first non-numeric column gives the labels, the numeric columns are the
 * series. Dates make a line chart; anything else a bar chart (horizontal for long labels).
 */
function renderChart(body, answer) {
  const { columnNames, data } = answer;
  const numeric = columnNames.map((_, i) =>
    data.every((row) => row[i] === null || typeof row[i] === 'number'));
  let labelIndex = columnNames.findIndex((name, i) => !numeric[i] || BUCKET.test(name));
  if (labelIndex < 0) labelIndex = 0;
  const labelColumn = columnNames[labelIndex];
  const labelValues = data.map((row) => row[labelIndex]);
  const dates = isDateColumn(labelColumn, labelValues);
  const labels = labelValues.map((v) =>
    v === null ? '(blank)' : dates ? dateLabel(labelColumn, v) : String(v));
  const series = columnNames
    .map((name, i) => ({ name, i }))
    .filter(({ i }) => i !== labelIndex && numeric[i]);
  const longLabels = !dates && labels.some((l) => l.length > 14);

  const canvas = document.createElement('canvas');
  const box = document.createElement('div');
  box.className = 'chart-box';
  box.append(canvas);
  body.append(box);
  const chart = new Chart(canvas, {
    type: dates ? 'line' : 'bar',
    data: {
      labels,
      datasets: series.map(({ name, i }, n) => ({
        label: name,
        data: data.map((row) => row[i]),
        backgroundColor: PALETTE[n % PALETTE.length],
        borderColor: PALETTE[n % PALETTE.length],
        tension: 0.25,
        pointRadius: dates ? 2 : undefined,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: longLabels ? 'y' : 'x',
      plugins: { legend: { display: series.length > 1, position: 'bottom' } },
      scales: {
        [longLabels ? 'x' : 'y']: {
          ticks: { callback: (value) => compactFormat.format(value) },
        },
      },
    },
  });
  canvas.dataset.points = String(chart.data.labels.length);
}

/** Renders `answer` (one entry of pinboarddata) as `vizType` says into a new card. */
export function renderVisualization(container, header, answer) {
  const card = document.createElement('article');
  card.className = `viz viz-${header.vizType.toLowerCase()}`;
  card.dataset.vizId = header.id;
  card.dataset.vizType = header.vizType;
  const title = document.createElement('h2');
  title.textContent = header.name;
  const body = document.createElement('div');
  body.className = 'viz-body';
  card.append(title, body);
  container.append(card);

  if (!answer) {
    body.textContent = 'No data for this visualization.';
    card.dataset.rendered = 'error';
    return;
  }
  if (answer.error) {
    body.textContent = answer.error;
    body.classList.add('error');
    card.dataset.rendered = 'error';
    return;
  }
  switch (header.vizType) {
    case 'HEADLINE': renderHeadline(body, answer); break;
    case 'TABLE': renderTable(body, answer); break;
    default: renderChart(body, answer); break;
  }
  card.dataset.rendered = 'true';
}
