using Microsoft.Playwright;

namespace CityPass.Pages.Tests.Support;

/// <summary>
/// Runs axe on each page state a test visits and keeps every violation under the state's name, so one failing test
/// lists all that is wrong (rule, element, message) instead of stopping at the first page.
/// </summary>
public sealed class AxeAudit
{
    private readonly List<string> _violations = [];

    public int StatesChecked { get; private set; }

    public async Task CheckAsync(IPage page, string state)
    {
        StatesChecked++;
        foreach (var v in await Axe.ViolationsAsync(page)) _violations.Add($"{state}: {v}");
    }

    public void AssertNoViolations() =>
        Assert.True(_violations.Count == 0, $"axe found {_violations.Count} violations in {StatesChecked} page states:\n" + string.Join("\n", _violations));
}
