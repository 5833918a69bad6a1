//! `ConfirmDevice` and `UpdateDeviceStatus`.

use alloc::borrow::ToOwned;
use alloc::string::String;

use serde_json::{Map, Value, json};

use crate::srp::Verifier;
use crate::time::UnixTime;

use super::UserPool;
use super::config::DeviceTracking;
use super::replies::{ServerReply, err, ok, str_field};

impl UserPool {
    pub(super) fn try_confirm_device(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.token_user(req, now)?;
        let key = str_field(req, "DeviceKey")?.to_owned();
        let config = req
            .get("DeviceSecretVerifierConfig")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                err(
                    "InvalidParameterException",
                    "DeviceSecretVerifierConfig is required.",
                )
            })?;
        let verifier = Verifier::from_config(
            config
                .get("Salt")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            config
                .get("PasswordVerifier")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
        .map_err(|_| {
            err(
                "InvalidParameterException",
                "Negate value passed for salt and Password verifier",
            )
        })?;
        let opt_in = self.config.device_tracking == DeviceTracking::UserOptIn;
        let name = req
            .get("DeviceName")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let device = self
            .user_mut(&username)
            .ok_or_else(|| err("UserNotFoundException", "User does not exist."))?
            .devices
            .get_mut(&key)
            .ok_or_else(|| err("ResourceNotFoundException", "Device does not exist."))?;
        if device.verifier.is_some() {
            return Err(err("DeviceKeyExistsException", "Device already confirmed."));
        }
        device.verifier = Some(verifier);
        device.remembered = !opt_in;
        device.name = name;
        device.last_used = now.0;
        Ok(ok(json!({"UserConfirmationNecessary": opt_in})))
    }

    pub(super) fn update_device_status(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
    ) -> ServerReply {
        let username = match self.token_user(req, now) {
            Ok(u) => u,
            Err(e) => return e,
        };
        let (Ok(key), Ok(status)) = (
            str_field(req, "DeviceKey"),
            str_field(req, "DeviceRememberedStatus"),
        ) else {
            return err(
                "InvalidParameterException",
                "DeviceKey and DeviceRememberedStatus are required.",
            );
        };
        let remembered = match status {
            "remembered" => true,
            "not_remembered" => false,
            _ => {
                return err(
                    "InvalidParameterException",
                    "Invalid DeviceRememberedStatus.",
                );
            }
        };
        let key = key.to_owned();
        match self
            .user_mut(&username)
            .and_then(|u| u.devices.get_mut(&key))
        {
            Some(d) if d.verifier.is_some() => {
                d.remembered = remembered;
                ok(json!({}))
            }
            _ => err("ResourceNotFoundException", "Device does not exist."),
        }
    }
}
