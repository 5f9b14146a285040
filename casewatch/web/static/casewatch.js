// casewatch's only script (the CSP allows no other): GOV.UK Frontend's components, and a page
// that updates itself when what it shows changes. Without it every page still works: reload.
import { initAll } from '/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// A busy team changes many times a minute: the page is fetched again at most this often, so a
// manager reading it is not interrupted more than that, and the service not asked more.
const EVERY = 5000

const status = document.querySelector('.casewatch-live-status')

async function refresh () {
  const answer = await fetch(window.location.href, { headers: { Accept: 'text/html' } })
  if (!answer.ok) { window.location.reload(); return }
  const fresh = new DOMParser().parseFromString(await answer.text(), 'text/html')
    .querySelector('[data-live]')
  const current = document.querySelector('[data-live]')
  if (!fresh || !current) return
  current.replaceWith(fresh)
  if (status) status.textContent = 'Updated at ' + new Date().toLocaleTimeString('en-GB')
}

function follow () {
  const live = document.querySelector('[data-live]')
  if (!live || !window.EventSource) return
  const updates = new EventSource(live.dataset.live)
  let last = 0
  let waiting = null
  updates.addEventListener('changed', () => {
    if (waiting) return
    const wait = Math.max(0, last + EVERY - Date.now())
    waiting = setTimeout(async () => {
      last = Date.now()
      try { await refresh() } finally { waiting = null }
    }, wait)
  })
  updates.addEventListener('signed-out', () => { updates.close(); window.location.reload() })
}

follow()
