// mfa-page in-place updates (serve --reload-mode in-place, the default): after a
// build, bring an open page up to the new render without reloading it, when
// that gives the page a reload would give. Three documents take part:
//   old  - the page as served when it was loaded (parsed as the window
//          parses it, see parse(); no script run);
//   next - the page of the new build (parsed the same way);
//   live - the document in the window, after its scripts ran.
// The change from old to next is worked out node by node and applied to the
// live document, where the live nodes it touches are still what old says
// they were. Anything the page's scripts could have acted on asks for a
// reload instead:
//   - a script or a <template> changed, or moved;
//   - an element scripts find or read (an id, a data-*, an on* attribute, a
//     js- class) changed, was added, removed or moved;
//   - a node to change was changed by the scripts (the widget's container),
//     has event listeners or a shadow root from them (recorded by BOOT,
//     inject.rs), or cannot be told apart from nodes the scripts added.
// Handlers set as properties (el.onclick = …) are not seen. The plan is
// made whole before anything is touched, so a page is never left half
// updated. Scripts are not run again.
var MfaUpdate = (function () {
  "use strict";

  // Nodes mfa-page adds to a preview page: never compared, never touched.
  function ours(node) {
    return node.nodeType === 1 &&
      (node.localName === "mfa-page-overlay" || node.hasAttribute("data-mfa-page"));
  }

  function kids(node) {
    var out = [];
    for (var c = node.firstChild; c; c = c.nextSibling) if (!ours(c)) out.push(c);
    return out;
  }

  function Refusal(reason) { this.reason = reason; }
  function refuse(reason) { throw new Refusal(reason); }

  // How a reason names an element: <div#container>, <p.note>, <h1>.
  function describe(node) {
    if (node.nodeType === 3) return "a text";
    if (node.nodeType === 8) return "a comment";
    if (node.nodeType !== 1) return node.nodeName.toLowerCase();
    var name = "<" + node.localName;
    var id = node.getAttribute("id");
    var cls = node.getAttribute("class");
    if (id) name += "#" + id;
    else if (cls && cls.trim()) name += "." + cls.trim().split(/\s+/)[0];
    return name + ">";
  }

  function where(node) {
    var path = [];
    for (var n = node; n && n.nodeType === 1 && n.localName !== "html" && path.length < 4; n = n.parentNode) {
      path.unshift(describe(n));
    }
    return path.length ? path.join(" > ") : describe(node);
  }

  // Scripts and templates, as written: any change to them needs a reload.
  function scripted(doc) {
    var out = [];
    var all = doc.querySelectorAll("script, template");
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (ours(el) || (el.closest && el.closest("mfa-page-overlay, [data-mfa-page]"))) continue;
      out.push(el.outerHTML);
    }
    return out;
  }

  // Attributes that scripts use to find elements and read their data.
  function scriptFacing(name) {
    name = name.toLowerCase();
    return name === "id" || name.slice(0, 5) === "data-" || name.slice(0, 2) === "on";
  }

  function same(a, b) { return a.isEqualNode(b); }

  // What the page's scripts see when they run, in document order: the
  // scripts and templates themselves and every element they can find by
  // id, data-*, on* or a js- class. Markup added, removed or moved there
  // (a requester error, a script moved after its container) reloads.
  function facing(doc) {
    var out = [];
    var all = doc.getElementsByTagName("*");
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.closest("mfa-page-overlay, [data-mfa-page]")) continue;
      if (el.localName === "script" || el.localName === "template") { out.push(el.outerHTML); continue; }
      var keys = [];
      for (var k = 0; k < el.attributes.length; k++) {
        var at = el.attributes[k];
        if (scriptFacing(at.name)) keys.push(at.name + "=" + at.value);
      }
      (el.getAttribute("class") || "").split(/\s+/).forEach(function (c) { if (c.slice(0, 3) === "js-") keys.push("." + c); });
      if (keys.length) out.push("<" + el.localName + " " + keys.sort().join(" ") + ">");
    }
    return out.join("\n");
  }

  // Old children to live children. The live list may hold more nodes (added
  // by scripts); they are skipped. Matching is by kind and tag (and id), the
  // contents are checked where something is changed.
  function align(olds, lives, parent) {
    // Anchors: old nodes the scripts left exactly as they were. In between,
    // nodes of the same kind (and id), matched from the front and from the
    // back: when the two disagree, the scripts added a node of that kind and
    // which live node is which cannot be told.
    var anchors = lcs(olds, lives, same);
    anchors.push([olds.length, lives.length]);
    var map = [], i = 0, j = 0;
    for (var p = 0; p < anchors.length; p++) {
      var toO = anchors[p][0], toL = anchors[p][1];
      var win = lives.slice(j, toL), part = olds.slice(i, toO);
      var fwd = [], bwd = [], k, w;
      for (k = 0, w = 0; k < part.length; k++, w++) {
        while (w < win.length && !alike(part[k], win[w])) w++;
        if (w === win.length) refuse("the page's scripts changed the children of " + where(parent));
        fwd.push(win[w]);
      }
      for (k = part.length - 1, w = win.length - 1; k >= 0; k--, w--) {
        while (w >= 0 && !alike(part[k], win[w])) w--;
        bwd[k] = win[w];
      }
      for (k = 0; k < part.length; k++) {
        if (fwd[k] !== bwd[k]) refuse("the page's scripts added nodes like " + describe(part[k]) + " in " + where(parent));
        map.push(fwd[k]);
      }
      if (toO < olds.length) map.push(lives[toL]);
      i = toO + 1;
      j = toL + 1;
    }
    return map;
  }

  function alike(a, l) {
    if (a.nodeType !== l.nodeType || a.nodeName !== l.nodeName) return false;
    return a.nodeType !== 1 || a.getAttribute("id") === l.getAttribute("id");
  }

  function Plan(live) {
    this.live = live;
    var view = live.defaultView;
    this.touched = view && view.__mfaBoot && view.__mfaBoot.touched;
    this.ops = [];
    this.changes = [];
  }

  // Replace the live nodes `ls` (which must still be the old `as`) with
  // copies of `bs`, in front of `before` (a live node, or null for the end).
  Plan.prototype.swap = function (as, bs, ls, parent, before) {
    for (var i = 0; i < as.length; i++) {
      if (!same(as[i], ls[i])) {
        refuse(describe(as[i]) + " in " + where(parent) + " was changed by the page's scripts");
      }
      var bound = this.bound(ls[i]);
      if (bound) {
        refuse(describe(bound) + " in " + where(parent) + " has event listeners or a shadow root from the page's scripts");
      }
    }
    var doc = this.live;
    this.ops.push(function () {
      var anchor = ls.length ? ls[0] : before;
      for (var k = 0; k < bs.length; k++) parent.insertBefore(doc.importNode(bs[k], true), anchor);
      for (var m = 0; m < ls.length; m++) ls[m].remove();
    });
    this.changes.push("replaced " + as.length + " node(s) with " + bs.length + " in " + where(parent));
  };

  // A node (or one inside it) that the page's scripts gave event listeners
  // or a shadow root: a copy would not have them. The preview's first
  // script (inject.rs, BOOT) records such nodes in __mfaBoot.touched.
  Plan.prototype.bound = function (l) {
    var touched = this.touched;
    if (!touched || l.nodeType !== 1) return null;
    if (touched.has(l)) return l;
    var all = l.getElementsByTagName("*");
    for (var i = 0; i < all.length; i++) if (touched.has(all[i])) return all[i];
    return null;
  };

  Plan.prototype.node = function (a, b, l) {
    if (same(a, b)) return;
    if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) {
      this.swap([a], [b], [l], l.parentNode, l);
      return;
    }
    if (a.nodeType === 3 || a.nodeType === 8) {
      if (l.data !== a.data) refuse("a text in " + where(l.parentNode) + " was changed by the page's scripts");
      var data = b.data;
      this.ops.push(function () { l.data = data; });
      this.changes.push("text in " + where(l.parentNode));
      return;
    }
    if (a.nodeType !== 1) refuse("a " + a.nodeName + " node changed");
    this.attributes(a, b, l);
    this.children(a, b, l);
  };

  Plan.prototype.attributes = function (a, b, l) {
    var seen = {};
    var names = [];
    [a, b].forEach(function (el) {
      for (var i = 0; i < el.attributes.length; i++) {
        var at = el.attributes[i];
        var key = (at.namespaceURI || "") + " " + at.localName;
        if (!seen[key]) {
          seen[key] = true;
          names.push([at.namespaceURI, at.localName, at.name]);
        }
      }
    });
    for (var i = 0; i < names.length; i++) {
      var ns = names[i][0], local = names[i][1], name = names[i][2];
      var was = a.getAttributeNS(ns, local);
      var now = b.getAttributeNS(ns, local);
      if (was === now) continue;
      if (scriptFacing(name)) {
        refuse("the " + name + " attribute of " + where(a) + " changed (scripts may read it)");
      }
      if (l.getAttributeNS(ns, local) !== was) {
        refuse("the " + name + " attribute of " + where(a) + " was changed by the page's scripts");
      }
      // The parser takes names that setAttribute may refuse: find out now,
      // so that apply() cannot stop half way.
      try {
        this.live.createAttribute(name);
      } catch (e) {
        refuse("the " + name + " attribute cannot be set by a script");
      }
      this.ops.push(setAttribute(l, ns, name, local, now));
      this.changes.push(name + " of " + where(a));
    }
  };

  function setAttribute(el, ns, name, local, value) {
    return function () {
      if (value === null) el.removeAttributeNS(ns, local);
      else if (ns) el.setAttributeNS(ns, name, value);
      else el.setAttribute(name, value);
    };
  }

  Plan.prototype.children = function (a, b, l) {
    var as = kids(a), bs = kids(b), ls = kids(l);
    var map = align(as, ls, l);
    var start = 0, endA = as.length, endB = bs.length;
    while (start < endA && start < endB && same(as[start], bs[start])) start++;
    while (endA > start && endB > start && same(as[endA - 1], bs[endB - 1])) { endA--; endB--; }
    if (start === endA && start === endB) return;
    this.range(as, bs, map, l, start, endA, start, endB, same);
  };

  // as[i0..i1) becomes bs[j0..j1): keep what `eq` pairs (unchanged nodes
  // first, then nodes of the same kind, changed in place), replace the rest.
  Plan.prototype.range = function (as, bs, map, l, i0, i1, j0, j1, eq) {
    var pairs = lcs(as.slice(i0, i1), bs.slice(j0, j1), eq);
    var i = i0, j = j0;
    pairs.push([i1 - i0, j1 - j0]);
    for (var p = 0; p < pairs.length; p++) {
      var toA = i0 + pairs[p][0], toB = j0 + pairs[p][1];
      if (toA - i === toB - j) {
        for (; i < toA; i++, j++) this.node(as[i], bs[j], map[i]);
      } else if (eq === same) {
        this.range(as, bs, map, l, i, toA, j, toB, alike);
      } else {
        this.swap(as.slice(i, toA), bs.slice(j, toB), map.slice(i, toA), l, this.anchor(as, map, l, i, toA));
      }
      if (p < pairs.length - 1 && eq === alike) this.node(as[toA], bs[toB], map[toA]);
      i = toA + 1;
      j = toB + 1;
    }
  };

  // Where nodes replacing as[i..toA) go. Nodes the scripts added are taken
  // to have been appended: after the last old node they are left after the
  // new ones; anywhere else nobody knows which side of them the new ones go.
  Plan.prototype.anchor = function (as, map, l, i, toA) {
    var from = i > 0 ? map[i - 1].nextSibling : l.firstChild;
    var to = toA < as.length ? map[toA] : null;
    var mine = map.slice(i, toA), seenForeign = null;
    for (var n = from; n !== to; n = n.nextSibling) {
      if (ours(n)) continue;
      if (mine.indexOf(n) >= 0) {
        if (seenForeign) refuse("the page's scripts added nodes where " + where(l) + " changed");
      } else if (!seenForeign) seenForeign = n;
    }
    if (seenForeign && to) refuse("the page's scripts added nodes where " + where(l) + " changed");
    return mine.length ? mine[0] : seenForeign || to;
  };

  // Longest common subsequence of equal nodes, as index pairs; a long list
  // is changed as a whole rather than compared pair by pair.
  function lcs(as, bs, eq) {
    var n = as.length, m = bs.length;
    if (n === 0 || m === 0 || n * m > 40000) return [];
    var table = [];
    for (var i = 0; i <= n; i++) table.push(new Array(m + 1).fill(0));
    for (i = n - 1; i >= 0; i--) {
      for (var j = m - 1; j >= 0; j--) {
        table[i][j] = eq(as[i], bs[j])
          ? table[i + 1][j + 1] + 1
          : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    var out = [];
    i = 0;
    j = 0;
    while (i < n && j < m) {
      if (eq(as[i], bs[j])) {
        out.push([i, j]);
        i++;
        j++;
      } else if (table[i + 1][j] >= table[i][j + 1]) i++;
      else j++;
    }
    return out;
  }

  // What to do to bring `live` from `old` to `next`: { reload: reason } or
  // { ops, changes } to give to apply().
  function plan(old, next, live) {
    var p = new Plan(live);
    try {
      var od = old.doctype, nd = next.doctype;
      if (!od !== !nd || (od && !od.isEqualNode(nd))) refuse("the doctype changed");
      var before = scripted(old), after = scripted(next);
      if (before.length !== after.length) refuse("a script or template was added or removed");
      for (var i = 0; i < before.length; i++) {
        if (before[i] !== after[i]) refuse("a script or template changed");
      }
      p.node(old.documentElement, next.documentElement, live.documentElement);
      if (facing(old) !== facing(next)) refuse("an element the page's scripts look for (id, data-*, on*, js- class) or a script was added, removed or moved");
    } catch (e) {
      if (e instanceof Refusal) return { reload: e.reason };
      throw e;
    }
    return { ops: p.ops, changes: p.changes };
  }

  function apply(planned) {
    for (var i = 0; i < planned.ops.length; i++) planned.ops[i]();
  }

  // A served page as the window parsed it, scripts not run. DOMParser has
  // scripting off: it parses <noscript> content as markup (and in <head> an
  // <img> there ends the head early), where the window keeps it as raw
  // text. The content is cut out before parsing and put back as text.
  // (A "<noscript" inside a comment, a script string or a <textarea> is
  // taken for one: old and next alike, so at worst a needless reload.)
  function parse(text) {
    var raw = [];
    text = text.replace(/<noscript\b([^>]*)>([\s\S]*?)<\/noscript\s*>/gi, function (m, attrs, inner) {
      raw.push(inner);
      return "<noscript data-mfa-raw=\"" + (raw.length - 1) + "\"" + attrs + "></noscript>";
    });
    var doc = new DOMParser().parseFromString(text, "text/html");
    var marked = doc.querySelectorAll("noscript[data-mfa-raw]");
    for (var i = 0; i < marked.length; i++) {
      marked[i].textContent = raw[+marked[i].getAttribute("data-mfa-raw")];
      marked[i].removeAttribute("data-mfa-raw");
    }
    return doc;
  }

  // The build-error overlay comes with each page: swapped, not compared.
  // (A parsed document keeps its declarative shadow root as a <template>.)
  function overlay(live, next) {
    var old = live.querySelectorAll('mfa-page-overlay[data-kind="build"]');
    for (var i = 0; i < old.length; i++) old[i].remove();
    var given = next.querySelector('mfa-page-overlay[data-kind="build"]');
    if (!given) return;
    var made = live.createElement("mfa-page-overlay");
    for (var k = 0; k < given.attributes.length; k++) {
      made.setAttribute(given.attributes[k].name, given.attributes[k].value);
    }
    var template = given.querySelector("template");
    made.attachShadow({ mode: "open" }).innerHTML = template ? template.innerHTML : "";
    (live.body || live.documentElement).appendChild(made);
  }

  return { plan: plan, apply: apply, parse: parse, overlay: overlay };
})();
