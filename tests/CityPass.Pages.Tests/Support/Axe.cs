using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Microsoft.Playwright;

namespace CityPass.Pages.Tests.Support;

/// <summary>
/// axe-core (npm, pinned by axe/package-lock.json) run inside a page: every rule axe runs by default (WCAG 2.x A and AA,
/// WCAG 2.2 AA and best practices; not the experimental ones). Installed by scripts/install-deps.sh's <c>npm ci</c>,
/// and here too when missing.
/// </summary>
public static class Axe
{
    private static readonly string Folder = typeof(Axe).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AxeFolder").Value!;
    private static readonly Lazy<Task<string>> Source = new(LoadAsync);

    /// <summary>The violations axe finds in the page as it is now, one line each: rule, impact, element, what is wrong.</summary>
    public static async Task<IReadOnlyList<string>> ViolationsAsync(IPage page)
    {
        // The pages' CSP allows no inline script, so axe can't come in by a script tag: it is evaluated over the
        // DevTools protocol instead, which a page's CSP does not govern (what @axe-core/playwright does too).
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'")) await page.EvaluateAsync(await Source.Value);
        var result = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const r = await axe.run(document, { resultTypes: ['violations'] });
              return r.violations.flatMap((v) => v.nodes.map((n) => ({
                rule: v.id, impact: n.impact || v.impact || '', target: n.target.join(' '),
                message: (n.failureSummary || v.help).replace(/\s+/g, ' ').trim(),
              })));
            }
            """);
        return [.. result.EnumerateArray().Select(v =>
            $"{v.GetProperty("rule").GetString()} ({v.GetProperty("impact").GetString()}) at {v.GetProperty("target").GetString()}: {v.GetProperty("message").GetString()}")];
    }

    /// <summary>The axe version the tests run (docs/pages.md names it).</summary>
    public static async Task<string> VersionAsync(IPage page)
    {
        await ViolationsAsync(page);
        return await page.EvaluateAsync<string>("() => axe.version");
    }

    private static async Task<string> LoadAsync()
    {
        var file = Path.Combine(Folder, "node_modules", "axe-core", "axe.min.js");
        if (!File.Exists(file))
        {
            var start = new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]) { WorkingDirectory = Folder, RedirectStandardError = true };
            using var npm = Process.Start(start) ?? throw new InvalidOperationException("npm did not start");
            var errors = await npm.StandardError.ReadToEndAsync();
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0) throw new InvalidOperationException($"npm ci in {Folder} failed ({npm.ExitCode}): {errors}");
        }
        return await File.ReadAllTextAsync(file);
    }
}
