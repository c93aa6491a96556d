using Microsoft.Playwright;

namespace CityPass.Pages.Tests.Support;

/// <summary>Collects what a page reports as broken: script errors and console errors (a CSP violation is one).</summary>
public sealed class PageWatch
{
    private readonly List<string> _errors = [];

    public PageWatch(IPage page)
    {
        page.Console += (_, m) =>
        {
            if (m.Type == "error") lock (_errors) _errors.Add($"{page.Url}: {m.Text}");
        };
        page.PageError += (_, e) =>
        {
            lock (_errors) _errors.Add($"{page.Url}: {e}");
        };
    }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors) return [.. _errors];
        }
    }
}
