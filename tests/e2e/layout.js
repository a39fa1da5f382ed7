(checkTargets) => {
  // Loaded by tests/e2e/layout.py and evaluated in the page: returns a list of problems.
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
    return text ? `${s} "${text.slice(0, 40)}"` : s;
  };
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    if (el.closest('.visually-hidden, [hidden]')) return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  const doc = document.documentElement;
  if (doc.scrollWidth > vw + 1) problems.push(`document is ${doc.scrollWidth}px wide in a ${vw}px viewport`);

  for (const el of document.body.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    // Inside a box that scrolls or clips, the box itself is what is checked.
    const contained = (() => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') return true;
      }
      return false;
    })();
    const parentOut = (() => {
      const p = el.parentElement;
      if (!p || p === document.body) return false;
      const r = p.getBoundingClientRect();
      return r.right > vw + 1 || r.left < -1;
    })();
    if (!contained && !parentOut && !(el instanceof SVGElement && el.tagName !== 'svg') && style.position !== 'fixed' && (rect.right > vw + 1 || rect.left < -1)
        && !el.closest('.skip-link')) {
      problems.push(`${describe(el)} sticks out of the viewport (${Math.round(rect.left)}..${Math.round(rect.right)} of ${vw}px)`);
    }
    const clips = (v) => v === 'hidden' || v === 'clip';
    if (!el.hasAttribute('data-clip-ok') && !['IMG', 'VIDEO', 'svg', 'CANVAS', 'IFRAME', 'SELECT', 'INPUT', 'TEXTAREA'].includes(el.tagName)) {
      if (clips(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`${describe(el)} cuts its content horizontally (${el.scrollWidth}px in ${el.clientWidth}px)`);
      } else if (clips(style.overflowY) && el.scrollHeight > el.clientHeight + 1 && style.display !== 'inline') {
        problems.push(`${describe(el)} cuts its content vertically (${el.scrollHeight}px in ${el.clientHeight}px)`);
      }
    }
    if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${describe(el)} is cut by an ellipsis`);
    }
  }

  if (checkTargets) {
    const inRunningText = (el) => {
      if (getComputedStyle(el).display !== 'inline') return false;
      const parent = el.parentElement;
      if (!parent) return false;
      return [...parent.childNodes].some((n) => n !== el && n.nodeType === Node.TEXT_NODE && n.textContent.trim().length > 1);
    };
    const targets = document.body.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])'
    );
    for (const el of targets) {
      let target = el;
      if (el.matches('input[type=checkbox], input[type=radio]')) {
        target = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
      }
      if (!visible(target) || target.closest('.skip-link')) continue;
      if (target.tagName === 'A' && inRunningText(target)) continue;
      const rect = target.getBoundingClientRect();
      if (rect.height < 43.5 || rect.width < 43.5) {
        problems.push(`tap target ${describe(target)} is ${Math.round(rect.width)}x${Math.round(rect.height)}px`);
      }
    }
  }
  return problems;
}
