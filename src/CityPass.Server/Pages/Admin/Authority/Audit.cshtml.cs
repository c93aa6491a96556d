using System.Globalization;
using CityPass.Server.Audit;
using CityPass.Server.Cases;
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

    /// <summary>A case id: the entries made under it (status changes, and the case's own).</summary>
    [FromQuery(Name = "caseRef")]
    public string? CaseRef { get; set; }

    /// <summary>A citizen id: shorthand for the subject citizen:&lt;id&gt;.</summary>
    [FromQuery(Name = "citizen")]
    public string? Citizen { get; set; }

    [FromQuery(Name = "before")]
    public long? Before { get; set; }

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public long? NextBefore { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var subject = Blank(Subject) ?? (Blank(Citizen) is { } citizen ? "citizen:" + citizen.ToLowerInvariant() : null);
        // Case ids are recorded in their canonical spelling; one typed in lower case finds them too.
        var caseRef = Blank(CaseRef) is { } typed && CaseIds.TryParse(typed, out var canonical, out _) ? canonical : Blank(CaseRef);
        Entries = await log.QueryAsync(new AuditQuery(subject, Blank(Actor), Blank(ActionName), null, null, Before, PageSize, caseRef), ct);
        NextBefore = Entries.Count == PageSize ? Entries[^1].Sequence : null;
    }

    public string PageUrl(long? before) => QueryHelpers.AddQueryString("/admin/audit", new Dictionary<string, string?>
    {
        ["actor"] = Actor,
        ["action"] = ActionName,
        ["subject"] = Subject,
        ["citizen"] = Citizen,
        ["caseRef"] = CaseRef,
        ["before"] = before?.ToString(CultureInfo.InvariantCulture),
    }.Where(kv => !string.IsNullOrEmpty(kv.Value)));

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
