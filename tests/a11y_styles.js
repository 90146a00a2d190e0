// Text the page shows, measured from computed styles: for every visible text node, its font size
// and the contrast of its colour against the background it is painted on (the first opaque
// background of it or its ancestors; white when none). Returns the failures as strings.
// The bar (gob.pe and WCAG 1.4.6): text at least 16 px; 7:1, or 4.5:1 for large text
// (24 px, or 18.66 px bold).
(() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return [255, 255, 255, 1];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const blend = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let color = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) color = blend(layers[i], color);
    return color;
  };
  const ratio = (a, b) => {
    const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (!el || seen.has(el)) continue;
    seen.add(el);
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (rect.width < 2 || rect.height < 2 || style.visibility === "hidden" || style.display === "none") continue;
    // an SVG chart is an image: its text alternative (<title>/<desc>) and the table beside it carry
    // the figures; its labels scale with the image
    if (el.closest(".visually-hidden, .skip, [hidden], option, script, style, noscript, svg[role=img]")) continue;
    if (style.clip === "rect(0px, 0px, 0px, 0px)") continue;
    const size = parseFloat(style.fontSize);
    const bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const fg = blend(parse(style.color), background(el));
    const r = ratio(fg, background(el));
    const label = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""} «${n.textContent.trim().slice(0, 40)}»`;
    if (size < 16) failures.push(`${label}: ${size}px (mínimo 16px)`);
    if (r < (large ? 4.5 : 7)) failures.push(`${label}: contraste ${r.toFixed(2)}:1 (mínimo ${large ? "4.5" : "7"}:1)`);
  }
  return failures;
})()
