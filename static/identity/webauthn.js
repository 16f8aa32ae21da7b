// Security keys and passkeys: asks the browser (navigator.credentials, through allauth's copy of
// github/webauthn-json) to create or use a credential with the options the page carries, then
// posts its answer with the form. Without a key or without this script, nothing is sent.
(function () {
  'use strict'
  function wire (button) {
    const form = button.closest('form')
    const options = JSON.parse(document.getElementById(button.dataset.options).textContent)
    const field = form.querySelector('input[name="credential"]')
    const status = form.querySelector('.webauthn-status')
    button.addEventListener('click', async function (event) {
      event.preventDefault()
      if (!window.PublicKeyCredential) {
        status.textContent = 'This browser cannot use security keys.'
        return
      }
      status.textContent = 'Touch or unlock your security key now.'
      try {
        const answer = button.dataset.webauthn === 'create'
          ? await window.webauthnJSON.create(options)
          : await window.webauthnJSON.get(options)
        field.value = JSON.stringify(answer)
        form.submit()
      } catch (error) {
        status.textContent = 'The security key did not answer. Try again.'
      }
    })
  }
  document.querySelectorAll('button[data-webauthn]').forEach(wire)
})()
