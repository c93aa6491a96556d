using System.Globalization;
using CityPass.Server.Audit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>The hash-chained audit log, newest first, as GET /v1/audit serves it (authority and city admins).</summary>
public sealed class AuditModel(IAuditLog log) : ConsolePageModel
{
    private const int PageSize = 50;

    [FromQuery(Name = "actor")]
    public string? Actor { get; set; }

    [FromQuery(Name = "action")]
    public string? ActionName { get; set; }

    [FromQuery(Name = "subject")]
    public string? Subject { get; set; }

    [FromQuery(Name = "before")]
    public long? Before { get; set; }

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public long? NextBefore { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Entries = await log.QueryAsync(new AuditQuery(Blank(Subject), Blank(Actor), Blank(ActionName), null, null, Before, PageSize), ct);
        NextBefore = Entries.Count == PageSize ? Entries[^1].Sequence : null;
    }

    public string PageUrl(long? before) => QueryHelpers.AddQueryString("/admin/audit", new Dictionary<string, string?>
    {
        ["actor"] = Actor,
        ["action"] = ActionName,
        ["subject"] = Subject,
        ["before"] = before?.ToString(CultureInfo.InvariantCulture),
    }.Where(kv => !string.IsNullOrEmpty(kv.Value)));

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
