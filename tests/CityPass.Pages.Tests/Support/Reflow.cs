using Microsoft.Playwright;

namespace CityPass.Pages.Tests.Support;

/// <summary>
/// Whether a page reflows as WCAG 1.4.4 and 1.4.10 ask, in the browser's own layout: nothing scrolls sideways, no box
/// is too small for its text (a glyph spilling out of its box, or a box cutting its text off), and no Latin word
/// is split across lines ("Sign out" one letter per line). Also the two ways a phone makes type large.
/// </summary>
public static class Reflow
{
    /// <summary>Each problem in words; empty when the page reflows.</summary>
    public static async Task<IReadOnlyList<string>> ProblemsAsync(IPage page) => await page.EvaluateAsync<string[]>("""
        () => {
          const problems = [];
          const root = document.documentElement;
          const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.visually-hidden');
          const name = (el) => el.id ? '#' + el.id : el.tagName.toLowerCase() + [...el.classList].map((c) => '.' + c).join('');
          if (root.scrollWidth > root.clientWidth) {
            // Name the innermost elements that reach past the edge: those are the ones to fix.
            const past = (el) => shown(el) && el.getBoundingClientRect().right > root.clientWidth + 1;
            const culprits = [...document.body.querySelectorAll('*')].filter((el) => past(el) && ![...el.children].some(past)).slice(0, 3);
            problems.push(`the page scrolls sideways: ${root.scrollWidth} px wide in ${root.clientWidth} px (${culprits.map(name).join(', ')})`);
          }
          const inline = (el) => getComputedStyle(el).display === 'inline';
          const textBoxes = new Set();
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (!node.textContent.trim() || !shown(node.parentElement)) continue;
            // The box that lays this text out: its nearest ancestor that is not inline.
            let box = node.parentElement;
            while (inline(box) && box.parentElement) box = box.parentElement;
            textBoxes.add(box);
            // A word of Latin letters on more than one line was broken inside it.
            for (const m of node.textContent.matchAll(/[A-Za-z]{2,20}/g)) {
              const range = document.createRange();
              range.setStart(node, m.index);
              range.setEnd(node, m.index + m[0].length);
              const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
              if (lines.size > 1) problems.push(`"${m[0]}" in ${name(node.parentElement)} is broken over ${lines.size} lines`);
            }
          }
          for (const box of textBoxes) {
            if (box === document.body || box === root) continue;
            if (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1) {
              problems.push(`${name(box)} is too small for its text "${box.textContent.trim().slice(0, 24)}": ` +
                `${box.scrollWidth}x${box.scrollHeight} px of text in ${box.clientWidth}x${box.clientHeight} px`);
            }
          }
          return problems;
        }
        """);

    /// <summary>How many lines the element's text takes.</summary>
    public static Task<int> LinesAsync(ILocator element) => element.EvaluateAsync<int>("""
        (el) => {
          const range = document.createRange();
          range.selectNodeContents(el);
          return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
        }
        """);

    /// <summary>
    /// The phone's large-font setting: the browser's default font size (what 1rem is before any page CSS), set over the
    /// DevTools protocol as a settings page would. A page that sizes type in rem or % grows with it.
    /// </summary>
    public static async Task SetSystemFontSizeAsync(IPage page, int pixels)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Page.setFontSizes", new Dictionary<string, object> { ["fontSizes"] = new Dictionary<string, object> { ["standard"] = pixels, ["fixed"] = pixels } });
    }

    /// <summary>Browser zoom on a phone: 200% on a 360 px screen leaves 180 CSS px of layout width.</summary>
    public static Task ZoomAsync(IPage page, int percent, ViewportSize screen) =>
        page.SetViewportSizeAsync(screen.Width * 100 / percent, screen.Height * 100 / percent);
}
