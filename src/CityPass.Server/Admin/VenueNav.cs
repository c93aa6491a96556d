using CityPass.Server.Venues;

namespace CityPass.Server.Admin;

/// <summary>The venue heading and tabs above each venue page; <see cref="Current"/> is the tab's slug.</summary>
public sealed record VenueNav(VenueView Venue, string Current);
