namespace CityPass.Core.Venues;

/// <summary>Why a gate opened or stayed shut. Gates branch on <see cref="DecisionCodeExtensions.ToCode"/>.</summary>
public enum DecisionCode
{
    Allowed,
    /// <summary>A pass of this city for a citizen the city does not know (deleted, or data missing).</summary>
    CitizenUnknown,
    /// <summary>This very pass already opened this venue's entry once.</summary>
    TokenReplayed,
    /// <summary>The citizen's current colour is not admitted here.</summary>
    StatusNotAllowed,
    CredentialMissing,
    BookingRequired,
    VenueClosed,
    /// <summary>Anti-passback: entered before and has not left.</summary>
    AlreadyInside,
    VenueFull,
    /// <summary>Anti-passback: an exit without an entry.</summary>
    NotInside,
    /// <summary>
    /// A scan from a gate's offline journal whose pass decodes but does not verify now (a key revoked since, a bad
    /// signature, expired when scanned...): recorded as refused. Never the answer of a live scan (that is a 422).
    /// </summary>
    PassRefused,
}

public static class DecisionCodeExtensions
{
    public static string ToCode(this DecisionCode code) => code switch
    {
        DecisionCode.Allowed => "allowed",
        DecisionCode.CitizenUnknown => "citizen_unknown",
        DecisionCode.TokenReplayed => "token_replayed",
        DecisionCode.StatusNotAllowed => "status_not_allowed",
        DecisionCode.CredentialMissing => "credential_missing",
        DecisionCode.BookingRequired => "booking_required",
        DecisionCode.VenueClosed => "venue_closed",
        DecisionCode.AlreadyInside => "already_inside",
        DecisionCode.VenueFull => "venue_full",
        DecisionCode.NotInside => "not_inside",
        DecisionCode.PassRefused => "pass_refused",
    };
}
