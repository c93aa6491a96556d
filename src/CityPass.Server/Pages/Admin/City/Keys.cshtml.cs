using CityPass.Server.Admin;
using CityPass.Server.Citizens;
using CityPass.Server.Keys;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Pages.Admin.City;

/// <summary>
/// This city's issuer keys (CityAdmin): each signing key and secret with its state and window, which one signs, and the
/// steps — create a pair that takes over later, activate it now, retire, revoke — each saying what it does to passes
/// already in citizens' hands. The service decides and audits; the page shows.
/// </summary>
public sealed class KeysModel(IssuerKeyService keys, IOptions<KeyOptions> keyOptions, IOptions<PassOptions> passOptions, TimeProvider clock) : ConsolePageModel
{
    public KeySetView KeySet { get; private set; } = null!;

    /// <summary>What the last step did, for the notice above the table.</summary>
    public string? Notice { get; private set; }

    /// <summary>The form's default: now plus the activation lead, in the city's local time.</summary>
    public string DefaultActivatesAt => ConsoleTime.ForInput(clock.GetUtcNow() + keyOptions.Value.ActivationLead);

    public TimeSpan ActivationLead => keyOptions.Value.ActivationLead;

    /// <summary>How long a pass lives: how long passes of a retired key stay valid at most.</summary>
    public int PassLifetimeSeconds => passOptions.Value.LifetimeSeconds;

    public void OnGet()
    {
        KeySet = keys.Get();
        if (Request.Query["done"] is [{ } done]) Notice = done;
    }

    public async Task<IActionResult> OnPostCreateAsync(string? activatesAt, string? reason, CancellationToken ct)
    {
        DateTimeOffset? at = null;
        if (!string.IsNullOrWhiteSpace(activatesAt) && (at = ConsoleTime.ParseInput(activatesAt)) is null)
        {
            return Refused(Failure.Invalid("activatesAt", "The time is not a date and time."));
        }
        var outcome = await keys.CreateAsync(Scope, new KeyCreateRequest(at, reason), ct);
        return Done(outcome, "A new signing key and secret were created and published; they take over at the time shown.");
    }

    public async Task<IActionResult> OnPostActivateAsync(string kind, int id, string? reason, CancellationToken ct) =>
        Done(await keys.ActivateAsync(Scope, kind, id, new KeyChangeRequest(reason), ct), $"The {kind} key {id} signs from now.");

    public async Task<IActionResult> OnPostRetireAsync(string kind, int id, string? reason, CancellationToken ct) =>
        Done(await keys.RetireAsync(Scope, kind, id, new KeyChangeRequest(reason), ct), $"The {kind} key {id} is retired: its passes stay valid until they expire.");

    public async Task<IActionResult> OnPostRevokeAsync(string kind, int id, string? reason, CancellationToken ct) =>
        Done(await keys.RevokeAsync(Scope, kind, id, new KeyChangeRequest(reason), ct), $"The {kind} key {id} is revoked: its passes are refused from now.");

    /// <summary>The badge class of a state: active is fine, pending is on its way, retired is done, revoked refuses passes.</summary>
    public static string StateClass(string state) => state switch
    {
        "active" => "ok",
        "pending" => "warn",
        "revoked" => "bad",
        _ => "",
    };

    private IActionResult Done(Outcome<KeySetView> outcome, string notice) =>
        // Post/redirect/get: a reload does not repeat the step.
        outcome.Failure is { } f ? Refused(f) : RedirectToPage(new { done = notice });

    private IActionResult Refused(Failure failure)
    {
        if (FailureResult(failure) is { } result) return result;
        KeySet = keys.Get();
        return Page();
    }
}
