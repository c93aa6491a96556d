using CityPass.Server.Auth;
using CityPass.Server.Operators;
using CityPass.Server.Problems;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.City;

/// <summary>
/// Staff accounts (CityAdmin): create, change role and venues, disable and enable, reset a password (the new one shown
/// once). Every change is the API's (/v1/operators), audited, and effective at once: the account's tokens and
/// console sessions stop working.
/// </summary>
public sealed class StaffModel(OperatorService operators, VenueService venues) : ConsolePageModel
{
    public IReadOnlyList<OperatorView> Accounts { get; private set; } = [];

    public IReadOnlyList<VenueView> Venues { get; private set; } = [];

    public string? Notice { get; private set; }

    /// <summary>A reset's new password, shown in this answer only.</summary>
    public PasswordReset? Reset { get; private set; }

    public string? ResetUsername { get; private set; }

    public static IReadOnlyList<string> Roles { get; } = Enum.GetNames<OperatorRole>();

    public string VenueNames(IEnumerable<Guid> ids) =>
        string.Join(", ", ids.Select(id => Venues.FirstOrDefault(v => v.Id == id)?.Name ?? id.ToString()));

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(string? username, string? displayName, string? password, string? role, List<Guid>? venueIds, CancellationToken ct)
    {
        var outcome = await operators.CreateAsync(Scope, new OperatorDraft(username, displayName, password, role, venueIds), ct);
        return await AfterAsync(outcome.Failure, $"Account {outcome.Value?.Username} created.", ct);
    }

    public async Task<IActionResult> OnPostUpdateAsync(Guid id, string? username, string? displayName, string? role, List<Guid>? venueIds, CancellationToken ct)
    {
        var outcome = await operators.UpdateAsync(Scope, id, new OperatorDraft(username, displayName, null, role, venueIds), ct);
        return await AfterAsync(outcome.Failure, $"Account {outcome.Value?.Username} changed; it signs in again.", ct);
    }

    public async Task<IActionResult> OnPostDisableAsync(Guid id, CancellationToken ct)
    {
        var outcome = await operators.SetDisabledAsync(Scope, id, disabled: true, ct);
        return await AfterAsync(outcome.Failure, $"Account {outcome.Value?.Username} disabled: it cannot sign in, and its sessions have ended.", ct);
    }

    public async Task<IActionResult> OnPostEnableAsync(Guid id, CancellationToken ct)
    {
        var outcome = await operators.SetDisabledAsync(Scope, id, disabled: false, ct);
        return await AfterAsync(outcome.Failure, $"Account {outcome.Value?.Username} enabled.", ct);
    }

    public async Task<IActionResult> OnPostResetAsync(Guid id, CancellationToken ct)
    {
        var outcome = await operators.ResetPasswordAsync(Scope, id, ct);
        if (outcome.Failure is { } f)
        {
            return await AfterAsync(f, null, ct);
        }
        // The new password is in this answer only: no cache may keep it.
        Response.Headers.CacheControl = "no-store";
        Reset = outcome.Value;
        await LoadAsync(ct);
        ResetUsername = Accounts.FirstOrDefault(a => a.Id == id)?.Username;
        return Page();
    }

    private async Task<IActionResult> AfterAsync(Failure? failure, string? notice, CancellationToken ct)
    {
        if (failure is not null && FailureResult(failure) is { } failed) return failed;
        if (failure is null) Notice = notice;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Accounts = await operators.ListAsync(ct);
        Venues = await venues.ListAsync(Scope, ct);
    }
}
