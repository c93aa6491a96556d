using CityPass.Server.Admin;
using CityPass.Server.Appeals;
using CityPass.Server.Authority;
using CityPass.Server.Cases;
using CityPass.Server.Citizens;
using CityPass.Server.Cluster;
using CityPass.Server.Dashboard;
using CityPass.Server.Estates;
using CityPass.Server.Federation;
using CityPass.Server.Gates;
using CityPass.Server.Health;
using CityPass.Server.Identify;
using CityPass.Server.Hosting;
using CityPass.Server.Keys;
using CityPass.Server.Operators;
using CityPass.Server.Problems;
using CityPass.Server.Public;
using CityPass.Server.Scans;
using CityPass.Server.Site;
using CityPass.Server.Ticketing;
using CityPass.Server.Tracing;
using CityPass.Server.Venues;

var builder = WebApplication.CreateBuilder(args);
var maxBody = builder.Configuration.GetValue("Limits:MaxRequestBodyBytes", 64L * 1024);
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = maxBody);
builder.Services.AddCityPass(builder.Configuration, builder.Environment);
builder.Services.AddCityPassConsole();
// After the stores: the silo starts once Redis is connected and the database migrated.
builder.AddCityPassSilo();

var app = builder.Build();
// Keys load now, so a missing or bad key fails the boot and not the first request.
app.Services.GetRequiredService<KeyMaterial>();
// So does the SMS sender: on real stores outside Development, no gateway configured is a boot failure.
app.Services.GetRequiredService<ISmsSender>();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestSizeGuard(maxBody);
app.UseCityPassPages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapOpenApi("/openapi/{documentName}.json");
app.UseSwaggerUI(ui =>
{
    ui.SwaggerEndpoint("/openapi/v1.json", "CityPass v1");
    ui.RoutePrefix = "docs/api";
    ui.DocumentTitle = "CityPass API";
});
app.MapCityPassHealth();

app.MapCitizenEndpoints();
app.MapScanEndpoints();
app.MapVenueEndpoints();
app.MapOperatorEndpoints();
app.MapAuthorityEndpoints();
app.MapStatusDraftEndpoints();
app.MapCaseEndpoints();
app.MapAppealEndpoints();
app.MapTicketingEndpoints();
app.MapEstateEndpoints();
app.MapIdentifyEndpoints();
app.MapDashboardEndpoints();
app.MapTracingEndpoints();
app.MapPublicEndpoints();
app.MapFederationEndpoints();
app.MapKeyEndpoints();
app.MapGateBundleEndpoints();
app.MapGateJournalEndpoints();
app.MapRazorPages();

await app.StartAsync();
// After start: the Redis client connects (and migrations run) as the host starts.
var seed = app.Configuration.GetValue("Demo:Seed", CityPassServices.IsEmbedded(app.Configuration));
var demo = seed ? await DemoData.SeedAsync(app.Services, app.Lifetime.ApplicationStopping) : null;
StartupBanner.Print(app, demo);
await app.WaitForShutdownAsync();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
