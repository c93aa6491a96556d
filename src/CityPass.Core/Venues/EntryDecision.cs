using CityPass.Core.Citizens;
using CityPass.Core.Tokens;

namespace CityPass.Core.Venues;

/// <summary>The current facts about the citizen, as the city's hot store holds them.</summary>
public readonly record struct CitizenSnapshot(StatusColour Colour, uint StatusVersion, Credentials Credentials, string? DisplayName);

/// <summary>
/// The facts about the venue and this citizen at it, read at the moment of the scan. <see cref="Seat"/>: the seat or zone of the
/// ticket that is valid now (<see cref="TicketWindow.Admitting"/>), when a ticket is what makes <see cref="HasBooking"/> true.
/// </summary>
public readonly record struct VenueSituation(int Occupancy, bool CitizenInside, bool HasBooking, bool TokenAlreadyEntered, string? Seat = null);

/// <summary>
/// What the gate is told: open or not, a stable reason, and what it may display. Nothing more
/// about the citizen's health reaches the gate than the colour. <see cref="Seat"/>: the seat or zone to display, on an entry
/// a ticket admitted (null otherwise).
/// </summary>
public sealed record EntryDecision(bool Allowed, DecisionCode Code, StatusColour Colour, string DisplayName, int OccupancyAfter, string? Seat = null);

/// <summary>
/// The decision function: (verified claims, current citizen state, policy, situation, direction, now) -> decision.
/// Pure; every store that decides (the embedded one, the Redis script) must agree with it.
/// </summary>
public static class EntryRules
{
    public static EntryDecision Decide(
        in PassClaims claims, CitizenSnapshot? current, VenuePolicy policy, VenueSituation situation, ScanDirection direction, DateTimeOffset now)
    {
        var colour = EffectiveColour(claims, current);
        var name = NameMasking.Mask(current?.DisplayName);
        EntryDecision Deny(DecisionCode code) => new(false, code, colour, name, situation.Occupancy);

        // A pass of this city names a citizen; the city must know them. A foreign pass carries no
        // readable identity, and its own claims are all there is to judge.
        if (claims.Pseudonym is not null && current is null) return Deny(DecisionCode.CitizenUnknown);

        // Anti-passback needs to know who is inside; a foreign pass hides who it is (its token id
        // changes every minute), so for it the rule cannot apply.
        var antiPassback = policy.AntiPassback && claims.Pseudonym is not null;

        if (direction == ScanDirection.Out)
        {
            // Leaving is never refused for health reasons: only anti-passback can stop an exit.
            if (antiPassback && !situation.CitizenInside) return Deny(DecisionCode.NotInside);
            return new EntryDecision(true, DecisionCode.Allowed, colour, name, Math.Max(0, situation.Occupancy - 1));
        }

        if (situation.TokenAlreadyEntered) return Deny(DecisionCode.TokenReplayed);
        if (!policy.AllowedColours.Contains(colour)) return Deny(DecisionCode.StatusNotAllowed);
        // This city's citizens: the city's own record. Another city's: what its pass claims, as far as the venue trusts it;
        // a v2 pass shows another city none (sealed for its issuer), so there only v1 passes can count.
        var credentials = current?.Credentials ?? ((claims.Credentials ?? Credentials.None) & policy.ForeignCredentials);
        if (!credentials.HasAll(policy.RequiredCredentials)) return Deny(DecisionCode.CredentialMissing);
        if (policy.RequiresBooking && !situation.HasBooking) return Deny(DecisionCode.BookingRequired);
        if (policy.Hours is { } hours && !hours.IsOpenAt(now)) return Deny(DecisionCode.VenueClosed);
        if (antiPassback && situation.CitizenInside) return Deny(DecisionCode.AlreadyInside);
        if (policy.Capacity is { } capacity && situation.Occupancy >= capacity) return Deny(DecisionCode.VenueFull);
        // The seat is shown only where the ticket is what let the citizen in: a venue that asks for none reads no tickets.
        return new EntryDecision(true, DecisionCode.Allowed, colour, name, situation.Occupancy + 1, policy.RequiresBooking ? situation.Seat : null);
    }

    /// <summary>
    /// The status a pass is judged by: the newer of what the pass carries and what the city holds
    /// now. A pass minted before the citizen turned red is judged red; a pass newer than the hot
    /// copy (a missed push) is judged by itself, since the issuer minted it from the newer status. A pass whose
    /// version this verifier cannot read (v2 by signature) is judged by the record when there is one.
    /// </summary>
    public static StatusColour EffectiveColour(in PassClaims claims, CitizenSnapshot? current) =>
        current is { } now && (claims.StatusVersion is not { } version || now.StatusVersion >= version) ? now.Colour : claims.Colour;
}
