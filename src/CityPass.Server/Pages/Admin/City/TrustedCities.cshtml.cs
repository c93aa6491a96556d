using CityPass.Server.Federation;
using CityPass.Server.Keys;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.City;

/// <summary>
/// The cities whose passes this city accepts (CityAdmin): each one's state and document, refresh, upload, remove,
/// and a form to add one with its pinned federation key. Also this city's own federation key, to give to others.
/// </summary>
public sealed class TrustedCitiesModel(TrustedCityService cities, KeySetPublisher publisher, KeyMaterial keys) : ConsolePageModel
{
    public IReadOnlyList<TrustedCityView> Cities { get; private set; } = [];

    /// <summary>What the last action did, for the notice above the table.</summary>
    public string? Notice { get; private set; }

    public TrustedCityDraft Draft { get; private set; } = new(null, null, "ES256", null, null);

    public string OwnIssuer => keys.Issuer.ToString();

    public string? OwnFingerprint => publisher.FederationKey?.Fingerprint;

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostAddAsync(string? issuer, string? name, string? federationSuite, string? federationPublicKey, string? documentUrl, CancellationToken ct)
    {
        Draft = new TrustedCityDraft(issuer, name, federationSuite, federationPublicKey, documentUrl);
        var outcome = await cities.AddAsync(Scope, Draft, ct);
        if (outcome.Failure is { } f)
        {
            FailureResult(f);
            await LoadAsync(ct);
            return Page();
        }
        // Post/redirect/get: a reload does not add the city twice.
        return RedirectToPage(new { added = outcome.Value!.Issuer });
    }

    public async Task<IActionResult> OnPostRefreshAsync(string issuer, CancellationToken ct)
    {
        var outcome = await cities.RefreshAsync(Scope.Actor, issuer, ct);
        if (outcome.Failure is { } f && FailureResult(f) is { } failed) return failed;
        if (outcome.Value is { } check) Notice = Describe(issuer, check);
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostUploadAsync(string issuer, string? document, CancellationToken ct)
    {
        var outcome = await cities.UploadAsync(Scope, issuer, document ?? "", ct);
        if (outcome.Failure is { } f)
        {
            if (FailureResult(f) is { } failed) return failed;
            Error = $"{issuer}: {f.Title} ({f.Code})";
        }
        else
        {
            Notice = Describe(issuer, outcome.Value!);
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveAsync(string issuer, CancellationToken ct)
    {
        if (await cities.RemoveAsync(Scope, issuer, ct) is { } f && FailureResult(f) is { } failed) return failed;
        return RedirectToPage(new { removed = issuer });
    }

    /// <summary>The start of a fingerprint, enough to tell keys apart in the table.</summary>
    public static string Abbreviated(string fingerprint) => fingerprint.Length > 16 ? fingerprint[..16] + "…" : fingerprint;

    /// <summary>The badge class of a state: fresh is fine, failing and stale need a look, pending and expired refuse passes.</summary>
    public static string StateClass(string state) => state switch
    {
        "fresh" => "ok",
        "failing" or "stale" => "warn",
        _ => "bad",
    };

    private async Task LoadAsync(CancellationToken ct)
    {
        Cities = await cities.ListAsync(ct);
        if (Request.Query["added"] is [{ } added]) Notice ??= $"{added} added.";
        if (Request.Query["removed"] is [{ } removed]) Notice ??= $"{removed} removed: its passes are no longer accepted.";
    }

    private static string Describe(string issuer, DocumentCheck check) => check.Result switch
    {
        "accepted" => $"{issuer}: a newer document was accepted.",
        "unchanged" => $"{issuer}: the document is the one held.",
        _ => $"{issuer}: the document was refused ({check.Code}); the one held is kept.",
    };
}
