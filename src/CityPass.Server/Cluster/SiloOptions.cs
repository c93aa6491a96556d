using System.Net;

namespace CityPass.Server.Cluster;

/// <summary>
/// Section "Orleans": how this process's silo joins the cluster. Every replica of one deployment has the
/// same <see cref="ClusterId"/> and <see cref="ServiceId"/>. On Kubernetes the advertised address and the
/// silo's name come from the downward API (<c>POD_IP</c>, <c>POD_NAME</c>) when not set here.
/// </summary>
public sealed class SiloOptions
{
    public const string Section = "Orleans";

    /// <summary>The replicas that form one cluster (a rolling update keeps it; a blue/green deployment changes it).</summary>
    public string ClusterId { get; set; } = "citypass";

    /// <summary>The service across deployments; names the membership key in Redis.</summary>
    public string ServiceId { get; set; } = "citypass";

    /// <summary>Silo-to-silo port (the only port other replicas need to reach).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Gateway port for external Orleans clients; 0 (the default): none, the app calls its grains in process.</summary>
    public int GatewayPort { get; set; }

    /// <summary>The address other silos reach this one at; <c>POD_IP</c> on Kubernetes, else loopback.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Listen on every interface (a pod) rather than only on <see cref="AdvertisedAddress"/> (this machine: loopback only).</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>This silo's name in the membership table; <c>POD_NAME</c> on Kubernetes.</summary>
    public string? SiloName { get; set; }

    /// <summary>
    /// How long a citizen's grain stays active with no call. A citizen's page asks for its pass about once a
    /// minute and polls its status while open, so five minutes keeps the grain of anyone looking at their code
    /// and lets go of the rest soon after they close it.
    /// </summary>
    public int CitizenIdleMinutes { get; set; } = 5;

    /// <summary>
    /// How long a stopping replica has to hand its grains off and leave the cluster. Keep it below the pod's
    /// termination grace period (k8s: 30 s by default), so the process ends on its own terms.
    /// </summary>
    public int ShutdownSeconds { get; set; } = 25;

    /// <summary>
    /// How long a grain call waits for its answer (Orleans' default is 30 s). A call to a replica that died is
    /// answered when the cluster declares it dead; this bounds how long a citizen's request can hang before
    /// it is answered 503 <c>cluster_unavailable</c> and retried.
    /// </summary>
    public int CallTimeoutSeconds { get; set; } = 5;

    /// <summary>How often a clustered replica checks that the membership table still has its row (see <see cref="MembershipWatchdog"/>).</summary>
    public int MembershipCheckSeconds { get; set; } = 10;

    /// <summary>A replica whose row was lost restarts at a random moment within this many seconds, so the replicas restart one by one.</summary>
    public int MembershipLossJitterSeconds { get; set; } = 60;

    /// <summary>
    /// How long a replica stopping for a lost membership row waits for its requests in flight before it ends its
    /// process itself (0: never, for a host that is not the process, as in tests): the silo's goodbye to a
    /// table that is gone retries for a minute while the server answers nothing.
    /// </summary>
    public int ExitAfterMembershipLossSeconds { get; set; } = 5;

    public IPAddress Address => IPAddress.Parse(AdvertisedAddress ?? IPAddress.Loopback.ToString());

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(ClusterId)) yield return "Orleans:ClusterId is required.";
        if (string.IsNullOrWhiteSpace(ServiceId)) yield return "Orleans:ServiceId is required.";
        if (SiloPort is < 1 or > 65535) yield return "Orleans:SiloPort is a port number (1-65535).";
        if (GatewayPort is < 0 or > 65535) yield return "Orleans:GatewayPort is 0 (no gateway) or a port number.";
        if (GatewayPort == SiloPort) yield return "Orleans:GatewayPort must differ from Orleans:SiloPort.";
        if (AdvertisedAddress is not null && !IPAddress.TryParse(AdvertisedAddress, out _)) yield return $"Orleans:AdvertisedAddress '{AdvertisedAddress}' is not an IP address.";
        if (CitizenIdleMinutes is < 1 or > 24 * 60) yield return "Orleans:CitizenIdleMinutes is between 1 and 1440.";
        if (ShutdownSeconds is < 1 or > 600) yield return "Orleans:ShutdownSeconds is between 1 and 600.";
        if (CallTimeoutSeconds is < 1 or > 300) yield return "Orleans:CallTimeoutSeconds is between 1 and 300.";
        if (MembershipCheckSeconds is < 1 or > 3600) yield return "Orleans:MembershipCheckSeconds is between 1 and 3600.";
        if (MembershipLossJitterSeconds is < 0 or > 3600) yield return "Orleans:MembershipLossJitterSeconds is between 0 and 3600.";
        if (ExitAfterMembershipLossSeconds is < 0 or > 600) yield return "Orleans:ExitAfterMembershipLossSeconds is between 0 and 600.";
    }
}
