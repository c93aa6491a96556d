using CityPass.Core.Gates;
using CityPass.Server.Federation;

namespace CityPass.Server.Venues;

/// <summary>The enrolment link for a credential just issued, on the origin the operator reached this server by.</summary>
public static class EnrolmentLinks
{
    /// <summary>Without a federation key (none configured) the link carries no fingerprint, and a gate enrolled by it cannot verify bundles.</summary>
    public static EnrolmentLink For(HttpRequest request, string credential, KeySetPublisher federation) =>
        new(new Uri($"{request.Scheme}://{request.Host}"), credential, federation.FederationKey?.Fingerprint);
}
