using CityPass.Core.Citizens;
using CityPass.Server.Citizens;

namespace CityPass.Server.Authority;

/// <summary>A citizen as the authority sees them, as their grain holds them.</summary>
public sealed record CitizenView(string Id, string? ExternalId, string Phone, string FullName, string DisplayName, StatusView Status,
    IReadOnlyList<string> Credentials, IReadOnlyList<CitizenBookingView> Bookings, DateTimeOffset CreatedAt)
{
    public static CitizenView From(Citizen c, IReadOnlyList<Booking> bookings) => new(c.Id.ToString(), c.ExternalId, c.Phone, c.FullName, NameMasking.Mask(c.FullName),
        StatusView.From(c.Status), c.Credentials.ToWireNames(), bookings.Select(b => new CitizenBookingView(b.VenueId, b.CreatedAt)).ToList(), c.CreatedAt);

    /// <summary>The citizen's state and bookings from their grain; null when there is no such citizen.</summary>
    public static async Task<CitizenView?> FromGrainAsync(IGrainFactory grains, CitizenPseudonym id)
    {
        var grain = grains.Citizen(id);
        return await grain.GetAsync() is { } citizen ? From(citizen, await grain.GetBookingsAsync()) : null;
    }
}

/// <summary>A ticket or booking of the citizen's, for venues that require one.</summary>
public sealed record CitizenBookingView(Guid VenueId, DateTimeOffset CreatedAt);
