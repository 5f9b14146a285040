// casewatch's only script (the CSP allows no other): GOV.UK Frontend's components, and a page
// that updates itself when what it shows changes. Without it every page still works: reload.
import { initAll } from '/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

const status = document.querySelector('.casewatch-live-status')

function follow () {
  const live = document.querySelector('[data-live]')
  if (!live || !window.EventSource) return
  const updates = new EventSource(live.dataset.live)
  updates.addEventListener('changed', async () => {
    const answer = await fetch(window.location.href, { headers: { Accept: 'text/html' } })
    if (!answer.ok) { window.location.reload(); return }
    const fresh = new DOMParser().parseFromString(await answer.text(), 'text/html')
      .querySelector('[data-live]')
    if (!fresh) return
    document.querySelector('[data-live]').replaceWith(fresh)
    if (status) status.textContent = 'Updated at ' + new Date().toLocaleTimeString('en-GB')
  })
  updates.addEventListener('signed-out', () => { updates.close(); window.location.reload() })
}

follow()
