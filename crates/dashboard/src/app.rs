//! The UI state machine: key events and model updates in, [`Action`]s out. No I/O.

use crate::model::{DashboardModel, SensorState};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// The screens, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Sensor table.
    Sensors,
    /// Live walking evaluation.
    Walking,
    /// Guided single-leg balance test.
    Balance,
    /// 4-stage balance, TUG, chair stand.
    OtherTests,
    /// Session summary and patient history.
    Summary,
}

impl Screen {
    /// All screens in tab order.
    pub const ALL: [Screen; 5] = [
        Screen::Sensors,
        Screen::Walking,
        Screen::Balance,
        Screen::OtherTests,
        Screen::Summary,
    ];

    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Sensors => "Sensors",
            Screen::Walking => "Walking",
            Screen::Balance => "Balance",
            Screen::OtherTests => "Other",
            Screen::Summary => "Summary",
        }
    }

    fn index(self) -> usize {
        Screen::ALL.iter().position(|&s| s == self).unwrap_or(0)
    }
}

/// What the binary should do in response to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Stop everything, save the recording, restore the terminal.
    Quit,
    /// Start or stop the walking evaluation.
    StartStopWalking,
    /// Start the balance trial / continue to the next step of the protocol.
    BalanceContinue,
    /// Stop the running balance trial now.
    BalanceStop,
    /// Move on to the next test.
    NextTest,
    /// Export the session.
    Export,
    /// Make the sensor with this id blink.
    Identify(u16),
    /// Assign the next placement to the sensor with this id.
    CyclePlacement(u16),
    /// `r` once on the Sensors screen: ask to confirm removing the sensor with this id (the
    /// binary says so in the status line; `r` again removes, any other key cancels).
    ConfirmRemove(u16),
    /// `r` a second time: unregister (and disconnect) the sensor with this id.
    Remove(u16),
}

/// A notice that a sensor came back.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// Sensor name.
    pub name: String,
    /// When it recovered, session s.
    pub at_s: f64,
}

/// How long a recovery notice stays on screen, s.
pub const RECOVERY_NOTICE_S: f64 = 5.0;

/// UI state plus the latest model.
#[derive(Debug, Clone)]
pub struct App {
    /// Current screen.
    pub screen: Screen,
    /// Whether the help overlay is shown.
    pub help: bool,
    /// Selected row of the sensor table.
    pub selected_sensor: usize,
    /// The latest model.
    pub model: DashboardModel,
    /// Recent sensor recoveries (shown for [`RECOVERY_NOTICE_S`]).
    pub recoveries: Vec<Recovery>,
    /// Frames drawn (for the footer).
    pub frames: u64,
    /// The sensor a first `r` asked to remove (a second `r` on it removes it).
    pub remove_armed: Option<u16>,
}

impl Default for App {
    fn default() -> Self {
        App::new(Screen::Walking)
    }
}

impl App {
    /// A new app showing `screen`.
    pub fn new(screen: Screen) -> App {
        App {
            screen,
            help: false,
            selected_sensor: 0,
            model: DashboardModel::default(),
            recoveries: Vec::new(),
            frames: 0,
            remove_armed: None,
        }
    }

    /// Replaces the model; notes sensors that recovered from a problem state.
    pub fn set_model(&mut self, model: DashboardModel) {
        for new in &model.sensors {
            let was_problem = self
                .model
                .sensors
                .iter()
                .find(|old| old.id == new.id)
                .is_some_and(|old| old.state.is_problem());
            if was_problem && new.state == SensorState::Streaming {
                self.recoveries.push(Recovery {
                    name: new.name.clone(),
                    at_s: model.now_s,
                });
            }
        }
        let now = model.now_s;
        self.recoveries
            .retain(|r| now - r.at_s <= RECOVERY_NOTICE_S && now >= r.at_s);
        if self.selected_sensor >= model.sensors.len() {
            self.selected_sensor = model.sensors.len().saturating_sub(1);
        }
        self.model = model;
    }

    /// Shows `screen` (the binary calls this when the protocol moves on).
    pub fn show(&mut self, screen: Screen) {
        self.screen = screen;
    }

    /// Handles one key; returns what the binary should do, if anything.
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        // Any key but the remove key itself cancels a pending remove.
        let remove_key = matches!(key.code, KeyCode::Char('r') | KeyCode::Delete);
        if !(remove_key && self.screen == Screen::Sensors && !self.help) {
            self.remove_armed = None;
        }
        if self.help {
            match key.code {
                KeyCode::Char('q') => return Some(Action::Quit),
                _ => {
                    self.help = false;
                    return None;
                }
            }
        }
        match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Char('?') | KeyCode::F(1) => {
                self.help = true;
                None
            }
            KeyCode::Tab | KeyCode::Right => {
                self.screen = Screen::ALL[(self.screen.index() + 1) % Screen::ALL.len()];
                None
            }
            KeyCode::BackTab | KeyCode::Left => {
                let n = Screen::ALL.len();
                self.screen = Screen::ALL[(self.screen.index() + n - 1) % n];
                None
            }
            KeyCode::Char(c @ '1'..='5') => {
                self.screen = Screen::ALL[(c as u8 - b'1') as usize];
                None
            }
            KeyCode::Char('n') => Some(Action::NextTest),
            KeyCode::Char('e') => Some(Action::Export),
            _ => self.on_screen_key(key.code),
        }
    }

    fn selected_id(&self) -> Option<u16> {
        self.model.sensors.get(self.selected_sensor).map(|s| s.id)
    }

    fn on_screen_key(&mut self, code: KeyCode) -> Option<Action> {
        match (self.screen, code) {
            (Screen::Sensors, KeyCode::Up | KeyCode::Char('k')) => {
                self.selected_sensor = self.selected_sensor.saturating_sub(1);
                None
            }
            (Screen::Sensors, KeyCode::Down | KeyCode::Char('j')) => {
                if self.selected_sensor + 1 < self.model.sensors.len() {
                    self.selected_sensor += 1;
                }
                None
            }
            (Screen::Sensors, KeyCode::Char('i')) => self.selected_id().map(Action::Identify),
            (Screen::Sensors, KeyCode::Char('p')) => self.selected_id().map(Action::CyclePlacement),
            (Screen::Sensors, KeyCode::Char('r') | KeyCode::Delete) => {
                let id = self.selected_id()?;
                if self.remove_armed.take() == Some(id) {
                    Some(Action::Remove(id))
                } else {
                    self.remove_armed = Some(id);
                    Some(Action::ConfirmRemove(id))
                }
            }
            (Screen::Walking, KeyCode::Char('s') | KeyCode::Char(' ')) => {
                Some(Action::StartStopWalking)
            }
            (Screen::Balance | Screen::OtherTests, KeyCode::Char(' ') | KeyCode::Enter) => {
                Some(Action::BalanceContinue)
            }
            (Screen::Balance | Screen::OtherTests, KeyCode::Char('s') | KeyCode::Esc) => {
                Some(Action::BalanceStop)
            }
            (Screen::Summary, KeyCode::Char('x')) => Some(Action::Export),
            _ => None,
        }
    }

    /// Key help for the overlay: (keys, what they do).
    pub fn help_lines() -> &'static [(&'static str, &'static str)] {
        &[
            ("1-5, Tab, ←/→", "switch screen"),
            ("?", "this help (any key closes)"),
            ("q, Ctrl-C", "quit (the recording is saved)"),
            ("s / Space", "walking: start/stop evaluation"),
            ("Space / Enter", "balance: start trial / continue"),
            ("s / Esc", "balance: stop the trial now"),
            ("n", "next test"),
            ("e", "export the session"),
            ("↑/↓, i, p", "sensors: select, identify, placement"),
            ("r r, Del Del", "sensors: remove (unregister) it"),
        ]
    }
}
