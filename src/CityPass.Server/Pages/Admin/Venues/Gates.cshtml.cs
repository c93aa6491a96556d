using System.Globalization;
using CityPass.Server.Citizens;
using CityPass.Server.Federation;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Venues;

/// <summary>A venue's gates: add gates, provision device credentials (shown once, also as a QR to enrol a device), revoke them.</summary>
public sealed class GatesModel(VenueService venues, KeySetPublisher federation) : ConsolePageModel
{
    public VenueView Venue { get; private set; } = null!;

    public IReadOnlyList<GateView> Gates { get; private set; } = [];

    public IssuedGateCredential? Issued { get; private set; }

    public string? IssuedGateName { get; private set; }

    public string? IssuedQrDataUrl { get; private set; }

    /// <summary>The link in the QR, as text: what `citypass-gate enrol` takes (it holds the secret, so it is shown this once).</summary>
    public string? EnrolmentLinkText { get; private set; }

    /// <summary>
    /// Beyond this a gate's clock is shown as off: its log times mislead by more than the eye forgives, and it is on its
    /// way to having its scans taken for late uploads (Scans:LateAfterSeconds) and left out of the occupancy.
    /// </summary>
    public const double ClockWarningSeconds = 30;

    public static bool ClockIsOff(double driftSeconds) => Math.Abs(driftSeconds) > ClockWarningSeconds;

    public static string Drift(double seconds) => seconds >= 0
        ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0} s ahead")
        : string.Create(CultureInfo.InvariantCulture, $"{-seconds:0.0} s behind");

    /// <summary>Hides the buttons only; the service refuses anyone who may not manage the venue.</summary>
    public bool CanManage => Scope.CanManageVenue(Venue.Id);

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct) => await LoadAsync(id, ct) ?? Page();

    public async Task<IActionResult> OnPostAddAsync(Guid id, string? name, CancellationToken ct)
    {
        var outcome = await venues.CreateGateAsync(Scope, id, new GateDraft(name), ct);
        if (outcome.Failure is { } f && FailureResult(f) is { } failed) return failed;
        return await LoadAsync(id, ct) ?? Page();
    }

    public async Task<IActionResult> OnPostIssueAsync(Guid id, Guid gateId, CancellationToken ct)
    {
        if (await LoadAsync(id, ct) is { } missing) return missing;
        if (Gates.FirstOrDefault(g => g.Id == gateId) is not { } gate) return NotFound();
        var outcome = await venues.IssueCredentialAsync(Scope, gateId, ct);
        if (outcome.Failure is { } f) return FailureResult(f) ?? Page();
        // The secret is in this answer only: no cache may keep it.
        Response.Headers.CacheControl = "no-store";
        Issued = outcome.Value;
        IssuedGateName = gate.Name;
        // The fragment never reaches a server, so the secret stays out of access logs when a device opens the link.
        var enrolUrl = EnrolmentLinks.For(Request, Issued!.Credential, federation).ToString();
        EnrolmentLinkText = enrolUrl;
        IssuedQrDataUrl = "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(QrRenderer.Svg(enrolUrl, 4)));
        return await LoadAsync(id, ct) ?? Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, Guid gateId, CancellationToken ct)
    {
        if (await LoadAsync(id, ct) is { } missing) return missing;
        if (Gates.All(g => g.Id != gateId)) return NotFound();
        var outcome = await venues.RevokeCredentialAsync(Scope, gateId, ct);
        if (outcome.Failure is { } f && FailureResult(f) is { } failed) return failed;
        return await LoadAsync(id, ct) ?? Page();
    }

    /// <summary>Null when loaded; the 404 when the venue is not the caller's to see.</summary>
    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken ct)
    {
        var venue = await venues.GetAsync(Scope, id, ct);
        if (venue.Failure is { } f) return FailureResult(f) ?? NotFound();
        Venue = venue.Value!;
        Gates = (await venues.ListGatesAsync(Scope, id, ct)).Value ?? [];
        return null;
    }
}
