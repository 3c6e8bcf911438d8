// attnmf trajectory: one parameter point, its time series written to HDF5.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>

#include "attnmf/analysis/classification.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/dynamics/engine.hpp"
#include "attnmf/io/result_file.hpp"
#include "attnmf/model/network.hpp"
#include "attnmf/sweep/point.hpp"
#include "attnmf/io/progress.hpp"
#include "attnmf/io/space_reserve.hpp"
#include "attnmf/io/trajectory_file.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/records/point.hpp"
#include "attnmf/sweep/pipeline.hpp"
#include "commands.hpp"

namespace attnmf::cli {
namespace {

constexpr const char* usage = R"(usage: attnmf trajectory --config FILE [--section.key VALUE ...] [-v | -q]

Integrates the mean-field map at one parameter point (model.beta, model.gamma, model.epsilon),
discards run.transient steps and writes the remaining run.steps - run.transient steps of every
mean field to output.file (HDF5): /trajectory/{att,mo,mo_se,mv,mq,mk}, the model's tables under
/model, the configuration as root attributes. With run.engine = network it integrates the finite
network of network.size bits instead, network.replicas times (docs/network.md): /trajectory holds
replica 0, /network/{mo_se,mo,att} [replica][step][feature] every replica, and /network their
distances from the mean-field map's attractor at the same point. The file appears only when complete (it is written
as FILE.partial and renamed); an existing file is replaced.

  -v, --verbose   log the whole resolved configuration
  -q, --quiet     log warnings and errors only
  --color WHEN    colour the log's levels: auto (the default), always or never; auto colours only
                  on a terminal, without NO_COLOR, and never under mpirun or srun (attnmf --help)
  -h, --help      this text

Exit codes: 0 done, 1 failed, 2 bad configuration (nothing written), 3 interrupted (nothing written).
)";

bool has_flag(int argc, const char* const argv[], const char* long_name, const char* short_name) {
  for (int i = 0; i < argc; ++i)
    if (std::strcmp(argv[i], long_name) == 0 || std::strcmp(argv[i], short_name) == 0) return true;
  return false;
}

int report_configuration_problems(const std::vector<std::string>& problems) {
  for (const auto& problem : problems) std::cerr << "attnmf trajectory: " << problem << '\n';
  std::cerr << "attnmf trajectory: nothing was run; see 'attnmf trajectory --help'\n";
  return exit_usage;
}

}  // namespace

int trajectory_command(int argc, const char* const argv[], const std::string& command_line) {
  if (has_flag(argc, argv, "--help", "-h")) {
    std::cout << usage << '\n' << config::help_text(config::Command::trajectory);
    return exit_success;
  }
  config::ParseResult parsed;
  try {
    parsed = config::parse(config::Command::trajectory, argc, argv, {"verbose,v", "quiet,q"});
  } catch (const config::ConfigError& e) {
    return report_configuration_problems(e.problems());
  }
  const config::Config& cfg = parsed.config;
  if (parsed.flags.count("quiet")) spdlog::set_level(spdlog::level::warn);
  if (parsed.flags.count("verbose")) spdlog::set_level(spdlog::level::debug);

  // Everything that can fail because of the configuration is checked before any file is touched.
  model::Weights weights;
  std::optional<model::MeanFieldMap> map;
  model::Window start;
  std::unique_ptr<dynamics::Engine> engine;  // the scalar engine (run.engine = network: none)
  const bool network = cfg.run.engine == config::RunConfig::Engine::network;
  std::optional<model::NetworkLayout> layout;
  try {
    weights = model::draw_weights(cfg.model);
    map.emplace(cfg.model, weights);
    if (cfg.init.mode == config::InitConfig::Mode::checkpoint) {
      try {
        start = model::read_window_file(cfg.init.checkpoint, *map);
      } catch (const std::exception& e) {
        return report_configuration_problems({"init.checkpoint = '" + cfg.init.checkpoint.string() + "': " + e.what()});
      }
    } else {
      start = model::token_window(*map, model::initial_token(weights, cfg.init.token));
    }
    if (!network) {
      engine = dynamics::make_scalar_engine(*map, start);
    } else {
      // A size the weights cannot be repeated to, or direct packed weights beyond the memory limit,
      // are refused here, before any file is touched.
      layout = model::network_layout(weights, cfg.network.size);
      (void)model::make_token_sampler(weights, *layout, sweep::network_algorithm(cfg, *layout));
    }
  } catch (const std::invalid_argument& e) {
    return report_configuration_problems({e.what()});
  }
  const auto directory = std::filesystem::absolute(cfg.output.file).parent_path();
  if (!std::filesystem::is_directory(directory))
    return report_configuration_problems(
        {"output.file = '" + cfg.output.file.string() + "': directory '" + directory.string() + "' does not exist"});

  spdlog::info("attnmf trajectory: M={} L={} P={} beta={} gamma={} (gamma_eff={:.17g}) epsilon={} seed={} correlations={}",
               cfg.model.features, cfg.model.context, cfg.model.positional_bits, cfg.model.beta, cfg.model.gamma,
               map->gamma_eff(), cfg.model.epsilon, cfg.model.weights.seed, model::to_string(cfg.model.weights.correlations));
  spdlog::info("start from {}; {} steps, the first {} discarded", 
               cfg.init.mode == config::InitConfig::Mode::checkpoint ? "window " + cfg.init.checkpoint.string()
                                                                      : "token " + std::to_string(cfg.init.token),
               cfg.run.steps, cfg.run.transient);
  for (const auto& [key, value] : cfg.key_values()) spdlog::debug("  {} = {}", key, value);

  install_stop_handlers();
  const auto started = std::chrono::steady_clock::now();
  io::Provenance provenance{command_line, io::utc_now_iso8601(), 0.0, {},
                            {{"engine", network ? "network (mean-field reference: scalar)" : "scalar"}}};
  // The mean-field map alone, or its reference and then each replica of the network.
  const int runs = network ? 1 + cfg.network.replicas : 1;
  const long long total_steps = cfg.run.steps * runs;
  try {
    io::TrajectoryWriter writer(cfg.output.file, cfg, weights);
    auto last_report = started;
    long long steps_before = 0;  // of the runs done
    const auto progress = [&](long long run_done) {
      const long long done = steps_before + run_done;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report >= std::chrono::seconds(2) || done == total_steps) {
        last_report = now;
        const double elapsed = std::chrono::duration<double>(now - started).count();
        const double rate = done / std::max(elapsed, 1e-9);
        spdlog::info("step {}/{} ({:.1f}%), {}, ETA {}", done, total_steps, 100.0 * done / total_steps,
                     io::format_rate(rate, "steps"), io::format_duration((total_steps - done) / rate));
      }
      return !stop_requested();
    };
    // The pipeline of a sweep point, with every recorded step written out.
    sweep::PipelineOptions options = sweep::pipeline_options(cfg);
    options.lyapunov_trace = cfg.analysis.lyapunov_trace;
    records::PointResult result;
    if (!network) {
      sweep::PipelineControl control;
      control.progress = progress;
      control.rows = [&](long long first_row, const records::RecordedRows& rows) { writer.write_rows(first_row, rows); };
      const long long indices[1] = {0};
      records::Outcome outcome = std::move(sweep::run_pipeline(*engine, indices, {}, options, control).front());
      if (std::holds_alternative<records::PartialPoint>(outcome)) {
        spdlog::warn("stopped by signal {} after {} steps; no file written", stop_signal(), engine->steps_done());
        return exit_interrupted;
      }
      result = std::move(std::get<records::PointResult>(outcome));
      if (result.status != records::PointStatus::done) {
        spdlog::error("attnmf trajectory failed: {}; no file written", result.error);
        return exit_failure;
      }
    } else {
      sweep::PipelineControl control;
      control.progress = progress;
      sweep::NetworkHooks hooks;
      bool first_run = true;
      hooks.begin = [&](const std::string&) {
        if (!first_run) steps_before += cfg.run.steps;
        first_run = false;
      };
      hooks.reference_done = [&](const records::PointResult& reference, model::NetworkAlgorithm algorithm,
                                 const model::NetworkLayout& classes) {
        spdlog::info("mean-field reference: {}{}; the network: N = {}, {} replicas, {} algorithm ({} classes of bits)",
                     analysis::to_string(reference.regime),
                     reference.period > 0 ? " (period " + std::to_string(reference.period) + ")" : std::string(),
                     cfg.network.size, cfg.network.replicas, model::kNetworkAlgorithmNames[static_cast<int>(algorithm)],
                     classes.classes());
      };
      hooks.rows = [&](int replica) -> sweep::PipelineControl::RowSink {
        return [&, replica](long long first, const records::RecordedRows& block) {
          if (replica == 0) writer.write_rows(first, block);
          writer.write_network_rows(replica, first, block);
        };
      };
      records::Outcome outcome =
          sweep::run_network_point(cfg, weights, *map, start, 0, cfg.network.size, options, control, hooks);
      if (std::holds_alternative<records::PartialPoint>(outcome)) {
        spdlog::warn("stopped by signal {}; no file written", stop_signal());
        return exit_interrupted;
      }
      result = std::move(std::get<records::PointResult>(outcome));
      if (result.status != records::PointStatus::done) {
        spdlog::error("attnmf trajectory failed: {}; no file written", result.error);
        return exit_failure;
      }
      writer.write_network(result.network);
      io::write_network_description(writer.file(), cfg);
      double distance = 0.0;
      int recognised = 0;
      for (std::size_t r = 0; r < result.network.distance.size(); ++r) {
        distance += result.network.distance[r] / static_cast<double>(result.network.distance.size());
        recognised += result.network.recognised[r];
      }
      spdlog::info("the network's distance from the mean-field {}: {:.4g} (mean of {} replicas); {} of them recognised on it",
                   result.network.kind == analysis::DistanceKind::none
                       ? std::string("attractor")
                       : std::string(analysis::kDistanceKindNames[static_cast<int>(result.network.kind)]),
                   distance, result.network.distance.size(), recognised);
    }
    writer.write_analysis(result, cfg.analysis.lyapunov_trace);
    std::string exponents;
    for (double l : result.lyapunov) exponents += fmt::format(" {:.4g}", l);
    if (result.lyapunov_source == records::LyapunovSource::floquet) exponents += " (Floquet)";
    spdlog::info("regime: {}{}; Lyapunov exponents:{}; 0-1 test K = {:.3f}", analysis::to_string(result.regime),
                 result.period > 0 ? " (period " + std::to_string(result.period) + ")" : std::string(), exponents,
                 result.zero_one);
    provenance.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    provenance.figures = {{"steps_per_second", total_steps / provenance.wall_seconds}};
    writer.finish(result.final_window, provenance);
  } catch (const std::exception& e) {
    spdlog::error("attnmf trajectory failed: {}{}", e.what(), io::disk_full_note(cfg.output.file));
    return exit_failure;
  }
  spdlog::info("done in {:.2f} s ({}); wrote {}", provenance.wall_seconds,
               io::format_rate(static_cast<double>(total_steps) / provenance.wall_seconds, "steps"), std::filesystem::absolute(cfg.output.file).string());
  return exit_success;
}

}  // namespace attnmf::cli
