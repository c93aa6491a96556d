using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CityPass.Server.Hosting;

/// <summary>Prints where everything is, and the demo sign-ins, to the console once the server listens.</summary>
public static class StartupBanner
{
    public static void Print(WebApplication app, DemoSummary? demo)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5080";
        address = address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal).TrimEnd('/');
        var mode = CityPassServices.IsEmbedded(app.Configuration) ? "embedded in-process stores" : "Redis + PostgreSQL";
        var o = Console.Out;
        o.WriteLine();
        o.WriteLine($"CityPass is running ({mode}).");
        o.WriteLine($"  Citizen pass (H5)      {address}/citizen/");
        o.WriteLine($"  Gate simulator         {address}/gate/");
        o.WriteLine($"  Admin console          {address}/admin");
        o.WriteLine($"  Public occupancy page  {address}/public/");
        o.WriteLine($"  API docs (OpenAPI UI)  {address}/docs/api");
        o.WriteLine($"  OpenAPI document       {address}/openapi/v1.json");
        o.WriteLine($"  Public key set         {address}/.well-known/citypass/keys.json");
        o.WriteLine($"  Public occupancy API   {address}/v1/public/venues");
        o.WriteLine($"  Health                 {address}/health/ready");
        if (demo is null)
        {
            o.WriteLine();
            return;
        }
        o.WriteLine();
        o.WriteLine("Demo staff (admin console, or POST /v1/auth/token):");
        foreach (var (user, password, role) in demo.Staff) o.WriteLine($"  {user,-10} {password,-22} {role}");
        o.WriteLine("Demo citizens (sign in on the citizen page; the one-time code appears in this log):");
        foreach (var (name, phone, colour) in demo.Citizens) o.WriteLine($"  {phone}  {name} ({colour})");
        o.WriteLine("Demo gate credentials (paste into the gate simulator, or Authorization: Gate <credential>), shown only now:");
        foreach (var (venue, gate, _, credential) in demo.Gates) o.WriteLine($"  {venue} / {gate}: {credential}");
        o.WriteLine();
    }
}
